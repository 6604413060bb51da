package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestMinSeq checks Tolk-Seq on writes and Tolk-Min-Seq on reads: a
// position already applied answers at once, a malformed one is a 400
// naming the header, one not reached is 503 replica_behind with
// Retry-After once ReplicaWait has passed, and a read waiting for a
// position is answered as soon as a write publishes it.
func TestMinSeq(t *testing.T) {
	const wait = 150 * time.Millisecond
	a, st, _ := newWriteAPI(t, Options{AdminToken: token, ReplicaWait: wait})
	put := a.put("/v1/articles/vanort-de-pere/sv", newArticle)
	seq, err := strconv.ParseUint(put.Header().Get("Tolk-Seq"), 10, 64)
	if put.Code != 201 || err != nil || seq == 0 {
		t.Fatalf("PUT: %d, Tolk-Seq %q", put.Code, put.Header().Get("Tolk-Seq"))
	}
	del := a.write("DELETE", "/v1/articles/vanort-de-pere/sv", "", "Authorization", "Bearer "+token)
	delSeq, err := strconv.ParseUint(del.Header().Get("Tolk-Seq"), 10, 64)
	if del.Code != 204 || err != nil || delSeq <= seq || delSeq != uint64(st.Current().Position) {
		t.Fatalf("DELETE: %d, Tolk-Seq %q after the PUT's %d (position %d)", del.Code, del.Header().Get("Tolk-Seq"), seq, st.Current().Position)
	}
	if gone := a.write("DELETE", "/v1/articles/vanort-de-pere/sv", "", "Authorization", "Bearer "+token); gone.Code != 404 || gone.Header().Get("Tolk-Seq") != "" {
		t.Errorf("failed DELETE: %d, Tolk-Seq %q, want 404 without one", gone.Code, gone.Header().Get("Tolk-Seq"))
	}

	now := strconv.FormatUint(delSeq, 10)
	ahead := strconv.FormatUint(delSeq+1, 10)
	for _, tc := range []struct {
		name, target string
		header       []string
		code         int
		problem      string
	}{
		{"applied", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", now}, 200, ""},
		{"zero", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", "0"}, 200, ""},
		{"older", "/v1/articles?lang=sv", []string{"Tolk-Min-Seq", strconv.FormatUint(seq, 10)}, 200, ""},
		{"search applied", "/v1/search?q=bad&lang=sv", []string{"Tolk-Min-Seq", now}, 200, ""},
		{"not a number", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", "tolv"}, 400, "invalid_parameter"},
		{"negative", "/v1/articles?lang=sv", []string{"Tolk-Min-Seq", "-1"}, 400, "invalid_parameter"},
		{"empty", "/v1/search?q=bad&lang=sv", []string{"Tolk-Min-Seq", ""}, 400, "invalid_parameter"},
		{"repeated", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", now, "Tolk-Min-Seq", now}, 400, "invalid_parameter"},
		{"overflow", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", "99999999999999999999999"}, 400, "invalid_parameter"},
		{"ahead article", "/v1/articles/internationellt-arbete?lang=sv", []string{"Tolk-Min-Seq", ahead}, 503, "replica_behind"},
		{"ahead list", "/v1/articles?lang=sv", []string{"Tolk-Min-Seq", ahead}, 503, "replica_behind"},
		{"ahead search", "/v1/search?q=bad&lang=sv", []string{"Tolk-Min-Seq", ahead}, 503, "replica_behind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := a.get(tc.target, tc.header...)
			took := time.Since(start)
			if r.Code != tc.code {
				t.Fatalf("%d %.300s, want %d", r.Code, r.body, tc.code)
			}
			switch tc.code {
			case 200:
				if took >= wait {
					t.Errorf("an applied position took %v", took)
				}
			case 400:
				if p := decode[Problem](t, r); p.Code != tc.problem || p.Param != "Tolk-Min-Seq" {
					t.Errorf("problem %+v, want %s naming Tolk-Min-Seq", p, tc.problem)
				}
			case 503:
				if p := decode[Problem](t, r); p.Code != tc.problem || r.Header().Get("Retry-After") == "" {
					t.Errorf("problem %+v, Retry-After %q", p, r.Header().Get("Retry-After"))
				}
				if took < wait || took > wait+2*time.Second {
					t.Errorf("answered after %v, want about %v", took, wait)
				}
			}
		})
	}

	t.Run("woken by the write", func(t *testing.T) {
		b, _, _ := newWriteAPI(t, Options{AdminToken: token, ReplicaWait: 30 * time.Second})
		next := strconv.FormatUint(uint64(b.srv.opts.Content.Current().Position)+1, 10)
		got := make(chan response, 1)
		go func() {
			req := httptest.NewRequest(http.MethodGet, "/v1/articles/vanort-de-pere?lang=sv", nil)
			req.Header.Set("Tolk-Min-Seq", next)
			rec := httptest.NewRecorder()
			b.srv.Handler().ServeHTTP(rec, req)
			got <- response{rec, rec.Body.Bytes()}
		}()
		time.Sleep(50 * time.Millisecond) // let the read start waiting
		if r := b.put("/v1/articles/vanort-de-pere/sv", newArticle); r.Code != 201 || r.Header().Get("Tolk-Seq") != next {
			t.Fatalf("PUT: %d, Tolk-Seq %q, want %s", r.Code, r.Header().Get("Tolk-Seq"), next)
		}
		select {
		case r := <-got:
			if r.Code != 200 {
				t.Errorf("the waiting read: %d %.300s", r.Code, r.body)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the waiting read was not woken by the write")
		}
	})

	t.Run("client gone", func(t *testing.T) {
		b, _, _ := newWriteAPI(t, Options{ReplicaWait: 30 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/articles?lang=sv", nil)
		req.Header.Set("Tolk-Min-Seq", "1000000")
		done := make(chan struct{})
		go func() {
			b.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a read whose client went away still waits")
		}
	})
}
