package checkout

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// SweeperTurn exposes sweeperTurn to the tests of the sweeper's turns.
func (e *Engine) SweeperTurn(ctx context.Context) bool { return e.sweeperTurn(ctx) }

// ReleaseSweeperTurn exposes releaseSweeperTurn.
func (e *Engine) ReleaseSweeperTurn() { e.releaseSweeperTurn() }

// WorkAction exposes workAction: a queue worker's turn with a claimed
// action.
func (e *Engine) WorkAction(ctx context.Context, claimed *kassa.Action) { e.workAction(ctx, claimed) }
