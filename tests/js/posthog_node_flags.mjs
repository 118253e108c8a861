// posthog-node against a server: prints what isFeatureEnabled, getFeatureFlag and
// getAllFlags return (undefined as the text "undefined", which JSON cannot carry), and any
// error the client reported. Usage: node posthog_node_flags.mjs HOST TOKEN
import { PostHog } from 'posthog-node'

const [host, token] = process.argv.slice(2)
const client = new PostHog(token, { host, flushAt: 1, flushInterval: 0, fetchRetryCount: 0 })
const errors = []
client.on('error', (error) => errors.push(String(error?.message ?? error)))
const shown = (value) => (value === undefined ? 'undefined' : value)
const result = {
  isFeatureEnabled: shown(await client.isFeatureEnabled('new-dashboard', 'user-1')),
  getFeatureFlag: shown(await client.getFeatureFlag('new-dashboard', 'user-1')),
  getAllFlags: await client.getAllFlags('user-1'),
}
await client.shutdown()
result.errors = errors
console.log(JSON.stringify(result))
