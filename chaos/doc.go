// Package chaos runs chaos journeys against a kassa shop and proves, with
// an invariant checker, that no order ends wrong, lost or charged twice.
//
// A run starts the MAPI simulator (mapisim) in this process on 127.0.0.1
// with a seed, a scaled clock and fault injection (callbacks dropped,
// duplicated, delayed and reordered; 5xx and timeouts on create, get and
// search), starts the shop as a child process on the same data, and lets
// N simulated customers run full journeys concurrently: place an order
// through the JSON API, sign (or abort, or abandon) at the bank, then come
// back to the thank-you page, the fail page, both, again and again, late,
// or never. The shop is killed with SIGKILL at seeded moments and restarted
// on the same data and port.
//
// At the end the faults are switched off, the shop is left to settle (its
// sweeper and retries), forged and replayed requests are sent (they must
// change nothing), and Check compares every order with the simulator's
// truth: the status the payment implies, the amounts, at most one payment
// per order reference and no bank action executed twice, stock conserved,
// every callback the bank delivered found in the shop's inbox, and no order
// left pending past its time to live. A webhook receiver registered at the
// shop (in this process, so it outlives the SIGKILLs) must have accepted,
// with valid signatures, every order's creation and every status change of
// its timeline, in order per order (CheckWebhooks).
package chaos
