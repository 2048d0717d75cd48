package sources

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// AllowPrivateEnv is the setting that lets fetches reach loopback, private, link-local and other
// internal addresses (tests against a local server, a feed on the company network). It is off by
// default: a URL typed into /sources add or `import adopters` must not make the bot read the
// cloud metadata service (169.254.169.254), the database, or anything else behind the firewall.
const AllowPrivateEnv = "OUTREACHBOT_ALLOW_PRIVATE_FETCH"

// NewClient returns the HTTP client public sources are fetched with. Unless allowPrivate, it
// refuses to connect to an address that is not on the public internet. The check is made on the
// address actually dialled, after DNS resolution, for every connection including each redirect
// (a name that resolves to 127.0.0.1, or a public page redirecting to the metadata service, is
// refused too), and no proxy is used, since the dialled address would then be the proxy's.
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	if allowPrivate {
		return newClient(timeout, func(netip.Addr) string { return "" })
	}
	return newClient(timeout, forbiddenAddress)
}

// newClient builds a client whose dialler refuses every address forbidden names a kind for.
func newClient(timeout time.Duration, forbidden func(netip.Addr) string) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return fmt.Errorf("refused to connect to %q: not an IP address", host)
			}
			if kind := forbidden(ip); kind != "" {
				return &ForbiddenAddressError{IP: ip, Kind: kind}
			}
			return nil
		},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	return &http.Client{Timeout: timeout, Transport: tr}
}

// LookupFunc resolves a host name to its addresses (net.DefaultResolver's LookupNetIP by default).
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// CheckURL refuses, before anything is saved or fetched, a URL whose host is, or resolves to, an
// address that is not on the public internet: an admin typing /sources add hears at once that
// the source will never be fetched, rather than finding it later as the source's last error.
// NewClient checks again at every dial, since what a name resolves to may change.
func CheckURL(ctx context.Context, raw string, lookup LookupFunc) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%q is not a URL with a host", raw)
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, ip)
	} else {
		if lookup == nil {
			lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			}
		}
		if addrs, err = lookup(ctx, host); err != nil || len(addrs) == 0 {
			return fmt.Errorf("the host %s does not resolve (check the address, or try again later)", host)
		}
	}
	for _, ip := range addrs {
		if kind := forbiddenAddress(ip); kind != "" {
			return &ForbiddenAddressError{IP: ip.Unmap(), Kind: kind}
		}
	}
	return nil
}

// ForbiddenAddressError is a fetch refused because its address is not on the public internet.
type ForbiddenAddressError struct {
	IP   netip.Addr
	Kind string // "loopback", "private", "link-local", …
}

func (e *ForbiddenAddressError) Error() string {
	return fmt.Sprintf("refused: %s is a %s address, not the public internet (set %s=on to allow internal addresses)", e.IP, e.Kind, AllowPrivateEnv)
}

// nonPublic are ranges that are neither covered by netip's predicates nor public.
var nonPublic = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved"},
	{netip.MustParsePrefix("100::/64"), "reserved"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4 address, checked as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// forbiddenAddress names the kind of a non-public address ("loopback", "private", …), or "" for
// an address on the public internet.
func forbiddenAddress(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, r := range nonPublic {
		if r.prefix.Contains(ip) {
			return r.kind
		}
	}
	return ""
}
