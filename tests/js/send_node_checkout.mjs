// One checkout failure, sent by the real @sentry/node as an application would: a TypeError
// with a user, a tag, a breadcrumb, a release, an environment and a JSON attachment.
// Usage: node tests/js/send_node_checkout.mjs <DSN>; prints the event id.
import * as Sentry from "@sentry/node";

const [dsn] = process.argv.slice(2);
Sentry.init({ dsn, defaultIntegrations: false, tracesSampleRate: 0, release: "shop@2.4.1",
  environment: "production" });

function applyDiscount(cart) {
  return cart.coupon.percent;  // cart.coupon is undefined: TypeError
}

let eventId;
Sentry.withScope((scope) => {
  scope.setUser({ id: "42", email: "buyer@example.com" });
  scope.setTag("customer", "acme");
  scope.addBreadcrumb({ category: "cart", message: "coupon applied", level: "info" });
  scope.addAttachment({ filename: "cart.json", data: '{"items": 3, "coupon": null}',
    contentType: "application/json" });
  try {
    applyDiscount({});
  } catch (err) {
    eventId = Sentry.captureException(err);
  }
});
const flushed = await Sentry.flush(10000);
console.log(eventId);
process.exit(flushed ? 0 : 1);
