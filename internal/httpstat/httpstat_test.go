package httpstat

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriter(t *testing.T) {
	for _, tt := range []struct {
		name   string
		handle func(w http.ResponseWriter)
		status int
		bytes  int
	}{
		{"explicit status", func(w http.ResponseWriter) { w.WriteHeader(503); w.Write([]byte("down")) }, 503, 4},
		{"implicit 200", func(w http.ResponseWriter) { w.Write([]byte("ok")); w.Write([]byte("!")) }, 200, 3},
		{"first status wins", func(w http.ResponseWriter) { w.WriteHeader(500); w.WriteHeader(200) }, 500, 0},
		{"nothing written", func(w http.ResponseWriter) {}, 0, 0},
	} {
		rec := httptest.NewRecorder()
		rec.Code = 0 // so that the status the writer passed on shows
		w := &Writer{ResponseWriter: rec}
		tt.handle(w)
		if w.Status != tt.status || w.Bytes != tt.bytes {
			t.Errorf("%s: status %d, bytes %d; want %d, %d", tt.name, w.Status, w.Bytes, tt.status, tt.bytes)
		}
		if rec.Code != tt.status || rec.Body.Len() != tt.bytes {
			t.Errorf("%s: the underlying writer got %d and %d bytes, want %d and %d", tt.name, rec.Code, rec.Body.Len(), tt.status, tt.bytes)
		}
	}
	var rw http.ResponseWriter = httptest.NewRecorder()
	if (&Writer{ResponseWriter: rw}).Unwrap() != rw {
		t.Error("Unwrap does not return the wrapped writer")
	}
}
