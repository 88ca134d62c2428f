package mapisim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
)

// InProcessURL is a base URL for a mapi.Client whose transport is
// Sim.Transport. The host is under .invalid, which never resolves, so a
// client given it without that transport reaches nothing.
const InProcessURL = "http://mapisim.invalid"

// errNoAnswer is what the in-process transport reports for a request the
// simulator dropped without an answer (a timeout fault).
var errNoAnswer = errors.New("mapisim: the simulator closed the request without an answer")

// Transport returns an http.RoundTripper that hands every request to the
// simulator's handler in this process, without a network: the whole MAPI
// for a program that embeds the simulator and serves none of it. Requests
// may carry any host; only the path and query count.
func (s *Sim) Transport() http.RoundTripper { return inProcess{h: s} }

type inProcess struct{ h http.Handler }

// RoundTrip serves req and returns the recorded answer. A handler that
// aborts (a timeout fault) gives an error, as a closed connection would.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders() // the request is "sent": its outcome is the handler's
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	in.RemoteAddr = "in-process"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	defer in.Body.Close()
	rec := &recorder{header: http.Header{}}
	if err := serveRecovered(t.h, rec, in); err != nil {
		return nil, err
	}
	return rec.response(req), nil
}

// serveRecovered runs h, turning a panic into an error the way a server
// turns it into a closed connection.
func serveRecovered(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		switch v := recover(); {
		case v == nil:
		case v == http.ErrAbortHandler:
			err = errNoAnswer
		default:
			err = fmt.Errorf("%w: panic: %v", errNoAnswer, v)
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// recorder is the http.ResponseWriter of an in-process request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// response is the recorded answer as a client sees it.
func (r *recorder) response(req *http.Request) *http.Response {
	r.WriteHeader(http.StatusOK)
	h := r.header.Clone()
	h.Set("Content-Length", strconv.Itoa(r.body.Len()))
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		StatusCode: r.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(r.body.Bytes())),
		ContentLength: int64(r.body.Len()), Request: req,
	}
}
