package checkout

import "github.com/kassa-dev/kassa"

// Option adjusts an Engine made by New beyond its Config: hooks for
// whoever observes the engine from outside, such as the benchmark.
type Option func(*Engine)

// WithSettled has the engine call fn after an inbox entry reached its final
// state (processed, quarantined or failed) in this process. fn must not
// block; the benchmark uses it to time callbacks.
func WithSettled(fn func(*kassa.Callback)) Option {
	return func(e *Engine) { e.onSettled = fn }
}
