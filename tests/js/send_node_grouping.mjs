// Grouping with the real @sentry/node: two errors thrown from one function (different values)
// and one of the same type from another function.
// Usage: node tests/js/send_node_grouping.mjs <DSN>
import * as Sentry from "@sentry/node";

const [dsn] = process.argv.slice(2);
Sentry.init({ dsn, defaultIntegrations: false, tracesSampleRate: 0 });

function parseOrder(raw) {
  throw new TypeError(`bad order ${raw}`);
}

function parseUser(raw) {
  throw new TypeError(`bad user ${raw}`);
}

for (const [parse, raw] of [[parseOrder, 17], [parseOrder, 42], [parseUser, 99]]) {
  try {
    parse(raw);
  } catch (err) {
    Sentry.captureException(err);
  }
}
const flushed = await Sentry.flush(10000);
process.exit(flushed ? 0 : 1);
