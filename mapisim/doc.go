// Package mapisim is a simulator of Resurs Bank's Merchant API (MAPI v2):
// an http.Handler that answers the same paths with the same JSON, status
// codes and error bodies as MAPI (docs/mapi.md).
//
// It is used three ways: in tests through httptest.NewServer(mapisim.New(...)),
// embedded in "kassa serve", and alone through "kassa sim". New keeps the
// state in memory; Open keeps it in a directory, so that a restart loses
// no payment. A program that embeds the simulator calls its API through
// Transport, in process, and publishes only CustomerHandler: the pages a
// customer's browser is sent to.
//
// What it simulates:
//   - OAuth2 client credentials (with New by default client id "kassa",
//     secret "kassa-secret"; with Open random ones per directory; scope
//     merchant-api or mock-merchant-api), bearer tokens
//     that expire after Options.TokenTTL on the Clock;
//   - four seeded stores (SE, NO, FI, DK) with invoice, part payment, Resurs
//     card, card and (SE) Swish methods, price signage and annuity factors;
//   - create, get and search payment with MAPI's validation; a signing page
//     at /sign/{paymentId} (approve, reject, abort) and Sim.Sign for tests;
//   - the test personas (docs/mapi.md §Test personas): accepted, rejected,
//     frozen, frozen then unfrozen or annulled, manual inspection then
//     approved or denied, with their delays on Options.Clock; TTL expiry
//     (REJECTED, TIMEOUT);
//   - capture, cancel, refund and add order lines with the amounts,
//     actionLog and possibleActions of docs/mapi.md §Payments, also as
//     Merchant Portal actions;
//   - authorization and management callbacks delivered asynchronously with
//     retries and a delivery log;
//   - fault injection, deterministic for a given Seed.
//
// Simulator behaviour not confirmed for the real MAPI is marked UNCONFIRMED in
// the comments and listed in docs/mapi.md §The simulator; notably a capture,
// cancel or refund that reuses a transactionId already used for the same
// action on the same payment is refused with 409, which makes a client's
// retry after a lost answer safe.
package mapisim
