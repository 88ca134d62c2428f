package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 document of the whole JSON API:
// every /api/ route with its bodies, its answers per status and the
// webhook events. The tests validate every request to /api/ and its
// answer against it (web/openapi_test.go), so it cannot drift from the
// handlers.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI document of the JSON API (a copy).
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// apiOpenAPI serves the document at GET /api/openapi.json; it is public,
// as the API it describes is documented in the README anyway.
func (s *Server) apiOpenAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
	return nil
}
