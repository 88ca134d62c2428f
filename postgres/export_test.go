package postgres

// OrderLanes is orderLanes, for the external tests.
const OrderLanes = orderLanes

// LanesTaken reports how many order lanes are taken.
func (db *DB) LanesTaken() int { return len(db.lanes) }
