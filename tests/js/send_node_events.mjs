// Sends errors to errortrack with the real @sentry/node, as an application would.
// Usage: node tests/js/send_node_events.mjs <DSN> <count>
import * as Sentry from "@sentry/node";

const [dsn, count = "1"] = process.argv.slice(2);
Sentry.init({ dsn, defaultIntegrations: false, tracesSampleRate: 0 });
for (let i = 0; i < Number(count); i++) {
  try {
    throw new TypeError(`node failure ${i}`);
  } catch (err) {
    Sentry.captureException(err, { tags: { sequence: String(i) } });
  }
}
// A large event: the SDK gzips bodies over 32 KiB.
Sentry.captureMessage("big " + "x".repeat(40 * 1024));
const flushed = await Sentry.flush(10000);
process.exit(flushed ? 0 : 1);
