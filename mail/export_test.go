package mail

// Templates and NewRendererFS let the tests take templates away.
var (
	Templates     = files
	NewRendererFS = newRenderer
)
