package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles is the static directory's content, its files at the root.
var staticFiles = func() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // "static" is a valid name: never happens
	}
	return sub
}()

// handleStatic serves a file of web/static under /static/. Anything else,
// a directory included (there are no listings), is the 404 page.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if !fs.ValidPath(name) {
		return errPageNotFound
	}
	info, err := fs.Stat(staticFiles, name)
	if err != nil || !info.Mode().IsRegular() {
		return errPageNotFound
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, staticFiles, name)
	return nil
}
