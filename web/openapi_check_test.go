package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/kassa-dev/kassa/web"
)

// The OpenAPI document (web/openapi.json) is checked against the code in
// every test that talks to a shop: newStack and doorServer serve the shop
// through checkAPI, which validates each request to /api/ and its answer
// against the document.

// openAPI is the document, parsed once per test binary.
var openAPI = sync.OnceValues(func() (*openAPIDoc, error) {
	doc, err := libopenapi.NewDocument(web.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("parse web/openapi.json: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build web/openapi.json: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator of web/openapi.json: %v", errs)
	}
	return &openAPIDoc{model: &model.Model, v: v, schemas: schema_validation.NewSchemaValidator()}, nil
})

type openAPIDoc struct {
	model   *v3.Document
	v       validator.Validator
	schemas schema_validation.SchemaValidator
}

// apiDoc returns the parsed document, failing t when it does not parse.
func apiDoc(t testing.TB) *openAPIDoc {
	t.Helper()
	d, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkSchema validates the JSON payload against the document's schema
// components/schemas/name.
func (d *openAPIDoc) checkSchema(name, payload string) error {
	proxy, ok := d.model.Components.Schemas.Get(name)
	if !ok {
		return fmt.Errorf("no schema %s in the document", name)
	}
	if ok, errs := d.schemas.ValidateSchemaString(proxy.Schema(), payload); !ok {
		return fmt.Errorf("not a %s: %s", name, describe(errs))
	}
	return nil
}

// checkAPI serves h, validating every request to /api/ and its answer
// against the OpenAPI document; a mismatch fails t, naming the call.
// Benchmarks are served unchecked: the check would be in their timing.
func checkAPI(t testing.TB, h http.Handler) http.Handler {
	if _, bench := t.(*testing.B); bench {
		return h
	}
	d := apiDoc(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		var in bytes.Buffer
		r.Body = readCloser{io.TeeReader(r.Body, &in), r.Body}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if err := d.conforms(r, in.Bytes(), rec); err != nil {
			t.Errorf("OpenAPI: %s %s → %d: %v\nanswer: %s", r.Method, r.URL.RequestURI(), rec.status, err, clip(rec.body.String()))
		}
	})
}

// conforms checks one call: the request as the handler read it (body)
// and the answer rec.
//
//   - A call the document has no operation for must be answered 404 or 405
//     with the error body.
//   - A request the document refuses must be refused (4xx): the shop
//     never accepts what the document says it does not take.
//   - Every answer, to valid and invalid requests alike, must be one the
//     document gives the operation: its status, headers and body.
func (d *openAPIDoc) conforms(r *http.Request, body []byte, rec *recorder) error {
	req := func() *http.Request {
		c := r.Clone(r.Context())
		c.Body = io.NopCloser(bytes.NewReader(body))
		c.ContentLength = int64(len(body))
		return c
	}
	if item, errs, _ := paths.FindPath(req(), d.model, nil); item == nil || len(errs) > 0 {
		if rec.status != http.StatusNotFound && rec.status != http.StatusMethodNotAllowed {
			return fmt.Errorf("not in the document (%s), yet answered", describe(errs))
		}
		return d.checkSchema("Error", rec.body.String())
	}
	if ok, errs := d.v.ValidateHttpRequestSync(req()); !ok && rec.status < 400 {
		return fmt.Errorf("the document refuses this request (%s), the shop accepted it", describe(errs))
	}
	resp := &http.Response{StatusCode: rec.status, Header: rec.Header(), Request: r,
		Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), ContentLength: int64(rec.body.Len())}
	if ok, errs := d.v.ValidateHttpResponse(req(), resp); !ok {
		return fmt.Errorf("the answer is not one the document gives: %s", describe(errs))
	}
	return nil
}

// describe joins validation errors into one line each.
func describe(errs []*valerrors.ValidationError) string {
	var out []string
	for _, e := range errs {
		s := e.Message
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			s += fmt.Sprintf(" [%s: %s]", f.FieldPath, f.Reason)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), "; ")
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

type readCloser struct {
	io.Reader
	io.Closer
}

// recorder passes an answer on and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// checkWebhook validates the body of a webhook delivery against the
// document's webhooks section: the request body of the webhook named by
// the body's type.
func (d *openAPIDoc) checkWebhook(body []byte) error {
	var ev struct{ Type string }
	if err := json.Unmarshal(body, &ev); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	item, ok := d.model.Webhooks.Get(ev.Type)
	if !ok || item.Post == nil || item.Post.RequestBody == nil {
		return fmt.Errorf("type %q is not in the document's webhooks", ev.Type)
	}
	media, ok := item.Post.RequestBody.Content.Get("application/json")
	if !ok {
		return fmt.Errorf("webhook %s has no JSON body in the document", ev.Type)
	}
	if ok, errs := d.schemas.ValidateSchemaString(media.Schema.Schema(), string(body)); !ok {
		return fmt.Errorf("webhook %s: %s", ev.Type, describe(errs))
	}
	return nil
}
