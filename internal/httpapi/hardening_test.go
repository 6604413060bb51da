package httpapi

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricLabelsFromFixedSets: a client's method never becomes a label
// (issue 14, finding 2).
func TestMetricLabelsFromFixedSets(t *testing.T) {
	a := newAPI(t, nil, Options{})
	for i := range 50 {
		m := fmt.Sprintf("JUNK%dMETHOD%s", i, strings.Repeat("X", 200))
		rec := httptest.NewRecorder()
		a.srv.Handler().ServeHTTP(rec, httptest.NewRequest(m, "/healthz", nil))
		if rec.Code >= 500 {
			t.Fatalf("%s /healthz: %d", m[:10], rec.Code)
		}
	}
	body := string(a.get("/metrics").body)
	if strings.Contains(body, "JUNK") {
		t.Errorf("a client's method became a metric label")
	}
	if !strings.Contains(body, `method="other"`) {
		t.Errorf("unknown methods are not counted as other")
	}
}
