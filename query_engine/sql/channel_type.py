"""``$channel_type``: a session's entry values → a marketing channel (spec sessions.md §5).

Rules, first match wins: cross-network campaign; paid (paid medium, gclid or gad_source),
then which paid channel; direct; else the organic channel. Sources and referring domains
are classified by their name (``google`` for ``utm_source=google``, ``www.google.co.uk`` and
``google.com``: the first label of the registrable domain), mediums by their text.
Every name below is a code-defined constant; the expression reads only session columns.
"""

from __future__ import annotations

# Source / referring-domain names by kind of site.
SOURCE_KINDS: dict[str, tuple[str, ...]] = {
    "Search": (
        "google",
        "bing",
        "yahoo",
        "duckduckgo",
        "baidu",
        "yandex",
        "ecosia",
        "naver",
        "ask",
        "aol",
        "startpage",
        "qwant",
        "brave",
        "seznam",
        "sogou",
        "daum",
        "search",
    ),
    "Social": (
        "facebook",
        "fb",
        "instagram",
        "ig",
        "twitter",
        "t",
        "x",
        "linkedin",
        "lnkd",
        "reddit",
        "pinterest",
        "tiktok",
        "snapchat",
        "tumblr",
        "quora",
        "vk",
        "weibo",
        "whatsapp",
        "threads",
        "mastodon",
        "discord",
        "telegram",
        "messenger",
        "meta",
    ),
    "Video": ("youtube", "youtu", "vimeo", "twitch", "dailymotion", "wistia"),
    "Shopping": (
        "ebay",
        "amazon",
        "etsy",
        "shopify",
        "walmart",
        "aliexpress",
        "alibaba",
        "target",
        "bestbuy",
        "mercadolibre",
        "rakuten",
        "shopping",
    ),
}
KIND_CHANNELS = {
    "Search": ("Paid Search", "Organic Search"),
    "Social": ("Paid Social", "Organic Social"),
    "Video": ("Paid Video", "Organic Video"),
    "Shopping": ("Paid Shopping", "Organic Shopping"),
}
# Mediums with a channel of their own: (if paid, if organic); '' = none.
MEDIUM_CHANNELS: dict[str, tuple[str, str]] = {
    "email": ("", "Email"),
    "e-mail": ("", "Email"),
    "e_mail": ("", "Email"),
    "e mail": ("", "Email"),
    "newsletter": ("", "Email"),
    "sms": ("", "SMS"),
    "audio": ("", "Audio"),
    "podcast": ("", "Audio"),
    "affiliate": ("", "Affiliate"),
    "affiliates": ("", "Affiliate"),
    "referral": ("", "Referral"),
    "social": ("Paid Social", "Organic Social"),
    "social-network": ("Paid Social", "Organic Social"),
    "social-media": ("Paid Social", "Organic Social"),
    "social network": ("Paid Social", "Organic Social"),
    "social media": ("Paid Social", "Organic Social"),
    "sm": ("Paid Social", "Organic Social"),
    "organic": ("", "Organic Search"),
    "video": ("Paid Video", "Organic Video"),
}
PAID_MEDIUMS = ("cpc", "cpm", "cpv", "cpa", "ppc", "retargeting")
DIRECT_SOURCES = ("(direct)", "direct", "$direct")
SHOPPING_CAMPAIGN = "(^|[^a-df-z])shop|shopping"
VIDEO_CAMPAIGN = "video"

# The order PostHog lists channel values in (values endpoint, docs).
CHANNELS = (
    "Cross Network",
    "Paid Search",
    "Paid Video",
    "Paid Shopping",
    "Paid Unknown",
    "Direct",
    "Organic Search",
    "Organic Social",
    "Organic Video",
    "Organic Shopping",
    "Push",
    "SMS",
    "Audio",
    "Email",
    "Referral",
    "Affiliate",
    "Unknown",
)


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _map(pairs: dict[str, str]) -> str:
    return "map(" + ", ".join(f"{_literal(k)}, {_literal(v)}" for k, v in pairs.items() if v) + ")"


def _source_map(paid: bool) -> str:
    return _map(
        {
            name: KIND_CHANNELS[kind][0 if paid else 1]
            for kind, names in SOURCE_KINDS.items()
            for name in names
        }
    )


def _medium_map(paid: bool) -> str:
    return _map({name: channels[0 if paid else 1] for name, channels in MEDIUM_CHANNELS.items()})


def _site_name(x: str) -> str:
    """``www.google.co.uk`` → ``google``; ``google`` → ``google``."""
    site = f"cutToFirstSignificantSubdomain({x})"
    return f"if(empty({site}), {x}, splitByChar('.', {site})[1])"


def _lookup(table: str, x: str, *, site: bool) -> str:
    key = _site_name(f"ifNull({x}, '')") if site else f"ifNull({x}, '')"
    if site:
        return f"nullIf(if(empty({table}[ifNull({x}, '')]), {table}[{key}], {table}[ifNull({x}, '')]), '')"
    return f"nullIf({table}[{key}], '')"


def channel_type_expr(
    *,
    source: str,
    medium: str,
    campaign: str,
    referring_domain: str,
    gclid: str,
    gad_source: str,
    fbclid: str,
) -> str:
    """SQL for the channel; arguments are Nullable(String) expressions of the entry values."""
    src, med, camp, ref = (f"lower({x})" for x in (source, medium, campaign, referring_domain))
    has_fbclid = f"({fbclid} IS NOT NULL)"
    shopping = f"ifNull(match({camp}, {_literal(SHOPPING_CAMPAIGN)}), 0)"
    video = f"ifNull(position({camp}, {_literal(VIDEO_CAMPAIGN)}) > 0, 0)"
    paid_mediums = ", ".join(_literal(m) for m in PAID_MEDIUMS)
    direct_sources = ", ".join(_literal(s) for s in DIRECT_SOURCES)
    paid = (
        f"(ifNull({med} IN ({paid_mediums}) OR startsWith({med}, 'paid'), 0)"
        f" OR {gclid} IS NOT NULL OR {gad_source} IS NOT NULL)"
    )
    direct = (
        f"(ifNull({ref} = '$direct', 0) AND {med} IS NULL"
        f" AND ({src} IS NULL OR {src} IN ({direct_sources})) AND NOT {has_fbclid})"
    )
    paid_channel = (
        f"coalesce({_lookup(_source_map(True), src, site=True)}, if({shopping}, 'Paid Shopping', NULL), "
        f"{_lookup(_medium_map(True), med, site=False)}, {_lookup(_source_map(True), ref, site=True)}, "
        f"if(ifNull({gad_source} = '1', 0), 'Paid Search', NULL), if({video}, 'Paid Video', NULL), "
        f"if({has_fbclid}, 'Paid Social', NULL), 'Paid Unknown')"
    )
    organic_channel = (
        f"coalesce({_lookup(_source_map(False), src, site=True)}, if({shopping}, 'Organic Shopping', NULL), "
        f"{_lookup(_medium_map(False), med, site=False)}, {_lookup(_source_map(False), ref, site=True)}, "
        f"if({video}, 'Organic Video', NULL), if(ifNull(endsWith({med}, 'push'), 0), 'Push', NULL), "
        f"if({has_fbclid}, 'Organic Social', NULL), if(ifNull({ref} = '$direct', 0), 'Direct', NULL), "
        f"if({ref} IS NOT NULL, 'Referral', NULL), 'Unknown')"
    )
    return (
        f"multiIf(ifNull(match({camp}, 'cross-network'), 0), 'Cross Network', {paid}, {paid_channel}, "
        f"{direct}, 'Direct', {organic_channel})"
    )
