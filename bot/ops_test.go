package bot

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestLoopbackOnly_profilesServedToThisMachineOnly(t *testing.T) {
	h := loopbackOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("profile")) }))
	for _, c := range []struct {
		remote string
		want   int
	}{
		{"127.0.0.1:5000", http.StatusOK},
		{"[::1]:5000", http.StatusOK},
		{"10.0.0.7:5000", http.StatusForbidden},
		{"192.168.1.2:80", http.StatusForbidden},
		{"garbage", http.StatusForbidden},
	} {
		req := httptest.NewRequest("GET", "/debug/pprof/heap", nil)
		req.RemoteAddr = c.remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("from %s: %d, want %d", c.remote, rec.Code, c.want)
		}
	}
}
