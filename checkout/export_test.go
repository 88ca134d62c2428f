package checkout

import "context"

// SweeperTurn exposes sweeperTurn to the tests of the sweeper's turns.
func (e *Engine) SweeperTurn(ctx context.Context) bool { return e.sweeperTurn(ctx) }

// ReleaseSweeperTurn exposes releaseSweeperTurn.
func (e *Engine) ReleaseSweeperTurn() { e.releaseSweeperTurn() }
