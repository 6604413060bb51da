package main

import "testing"

// TestHealthURL: tolk healthcheck --url http://host:port checks /readyz
// (it checked /, which answers while the index is still opening).
func TestHealthURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://10.0.0.5:8080", "http://10.0.0.5:8080/readyz"},
		{"http://10.0.0.5:8080/", "http://10.0.0.5:8080/readyz"},
		{"http://10.0.0.5:8080/readyz", "http://10.0.0.5:8080/readyz"},
		{"https://tolk.example/healthz", "https://tolk.example/healthz"},
	}
	for _, tt := range tests {
		if got, err := healthURL(tt.in); err != nil || got != tt.want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := healthURL("10.0.0.5:8080"); err == nil {
		t.Error("a URL without a scheme accepted")
	}
}
