package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/amal-kommun/tolk/content"
	"github.com/amal-kommun/tolk/internal/filestore"
	"github.com/amal-kommun/tolk/internal/store"
)

// api is a real Server on a real index, with every response checked
// against the OpenAPI document.
type api struct {
	t      testing.TB
	srv    *Server
	router routers.Router
}

var registerDecoders sync.Once

// openAPIRouter loads the served OpenAPI document and validates it.
func openAPIRouter(t testing.TB, srv *Server) routers.Router {
	t.Helper()
	registerDecoders.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/atom+xml", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/javascript", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	})
	doc, err := openapi3.NewLoader().LoadFromData(srv.openapi.body)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	doc.Servers = nil
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("OpenAPI router: %v", err)
	}
	return r
}

// newAPI serves fsys (the embedded corpus when nil) with opts.
func newAPI(t testing.TB, fsys fs.FS, opts Options) *api {
	t.Helper()
	if fsys == nil {
		fsys = content.FS
	}
	files, err := filestore.New(filestore.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{Backend: files})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if ps := st.Problems(); len(ps) > 0 {
		t.Fatalf("content problems: %v", ps)
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 0 // off unless a test turns it on
	}
	opts.Content = st
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &api{t: t, srv: srv, router: openAPIRouter(t, srv)}
}

// response is a recorded response with its decoded body.
type response struct {
	*httptest.ResponseRecorder
	body []byte // decompressed
}

// do sends a request through the real router and validates the response
// against the OpenAPI document when the route is documented.
func (a *api) do(method, target string, header ...string) response {
	a.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			a.t.Fatalf("%s %s: bad gzip: %v", method, target, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			a.t.Fatalf("%s %s: bad gzip: %v", method, target, err)
		}
	}
	if method == http.MethodGet {
		a.validate(req, rec, body)
	}
	return response{rec, body}
}

func (a *api) get(target string, header ...string) response {
	a.t.Helper()
	return a.do(http.MethodGet, target, header...)
}

// validate checks a response against the OpenAPI document; responses of
// undocumented routes (404s of unknown paths) are skipped.
func (a *api) validate(req *http.Request, rec *httptest.ResponseRecorder, body []byte) {
	a.t.Helper()
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		a.t.Errorf("%s %s: response %d does not match the OpenAPI document: %v\nbody: %.500s", req.Method, req.URL, rec.Code, err, body)
	}
}

func ioNopCloser(r io.Reader) io.ReadCloser { return io.NopCloser(r) }
