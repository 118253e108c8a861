"""What PostHog's SDKs fetch besides capture: remote config and feature flags (none here)."""
