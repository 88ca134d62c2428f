// Package httpstat records what a handler answered: the status and the
// size of the body. The shop's request log, the bench's 5xx count and the
// chaos bank's fault log use it.
package httpstat

import "net/http"

// Writer is an http.ResponseWriter that remembers the status and counts
// the body bytes written through it.
type Writer struct {
	http.ResponseWriter
	Status int // the first status written; 200 once the body starts without one
	Bytes  int
}

// WriteHeader records code (the first one only) and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records the implicit 200 of a body without a status.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
