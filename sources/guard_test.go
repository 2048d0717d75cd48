package sources

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestForbiddenAddress(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"10.1.2.3": "private", "172.16.0.1": "private", "192.168.1.1": "private", "fd00::1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local", "64:ff9b::a9fe:a9fe": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified", "100.64.0.1": "shared (carrier NAT)",
		"239.1.2.3": "multicast", "240.0.0.1": "reserved", "255.255.255.255": "reserved", "198.18.0.1": "reserved",
		"8.8.8.8": "", "140.82.112.3": "", "2606:4700:4700::1111": "",
	}
	for s, want := range cases {
		if got := forbiddenAddress(netip.MustParseAddr(s)); got != want {
			t.Errorf("%s: %q, want %q", s, got, want)
		}
	}
}

// TestNewClient_refusesInternalAddressesAfterDNSAndOnRedirects: a URL naming a loopback address,
// a name that resolves to one, and a redirect to the cloud metadata address or a private network
// are refused before any connection is made, unless the setting allows them.
func TestNewClient_refusesInternalAddressesAfterDNSAndOnRedirects(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-private":
			http.Redirect(w, r, "http://10.255.255.1:8080/admin", http.StatusMovedPermanently)
		default:
			w.Write([]byte("internal secret"))
		}
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]

	guarded := NewClient(5*time.Second, false)
	for _, u := range []string{srv.URL + "/", "http://localhost" + port + "/"} {
		_, err := Get(ctx, guarded, u, State{}, "")
		if err == nil || !strings.Contains(err.Error(), "loopback address") || !strings.Contains(err.Error(), "OUTREACHBOT_ALLOW_PRIVATE_FETCH") {
			t.Errorf("%s: %v, want refused as loopback", u, err)
		}
	}
	if _, err := Get(ctx, nil, srv.URL+"/", State{}, ""); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("the default client: %v, want refused", err)
	}

	// The test server itself is let through so that the redirects it answers are what is checked.
	onlyTestServer := newClient(5*time.Second, func(ip netip.Addr) string {
		if ip.Unmap() == netip.MustParseAddr("127.0.0.1") {
			return ""
		}
		return forbiddenAddress(ip)
	})
	for path, want := range map[string]string{"/to-metadata": "169.254.169.254 is a link-local address", "/to-private": "10.255.255.1 is a private address"} {
		start := time.Now()
		_, err := Get(ctx, onlyTestServer, srv.URL+path, State{}, "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("%s: took %s: a connection was tried", path, el)
		}
	}

	f, err := Get(ctx, NewClient(5*time.Second, true), srv.URL+"/", State{}, "")
	if err != nil || string(f.Body) != "internal secret" {
		t.Errorf("allowed explicitly: %q %v", f.Body, err)
	}
}

func TestCheckURL(t *testing.T) {
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "feeds.corp.example":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.1.2.3")}, nil
		case "blog.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return nil, errors.New("no such host")
	}
	for _, c := range []struct{ url, want string }{
		{"https://blog.example.com/feed.xml", ""},
		{"https://93.184.215.14/feed", ""},
		{"https://feeds.corp.example/rss", "10.1.2.3 is a private address"},
		{"http://[::1]:8080/feed", "::1 is a loopback address"},
		{"http://169.254.169.254/latest", "link-local"},
		{"http://[::ffff:127.0.0.1]/x", "loopback"},
		{"https://nowhere.example/feed", "does not resolve"},
		{"https:///feed", "not a URL with a host"},
	} {
		err := CheckURL(context.Background(), c.url, lookup)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.url, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error saying %q", c.url, err, c.want)
		}
	}
}
