package storetest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// StallProxy is a TCP proxy between the bot and PostgreSQL that can stop passing bytes without
// closing anything, as a hung database server or a black-holed network does: connections stay
// open, queries get no answer, new connections are accepted but never greeted.
type StallProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	stalled bool
	resumed *sync.Cond
	conns   []net.Conn
}

// NewStallProxy listens on 127.0.0.1 and forwards to target (host:port). It stops when the test
// ends.
func NewStallProxy(t testing.TB, target string) *StallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &StallProxy{ln: ln, target: target}
	p.resumed = sync.NewCond(&p.mu)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *StallProxy) Addr() string { return p.ln.Addr().String() }

// URL returns the database URL u with its host replaced by the proxy's.
func (p *StallProxy) URL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	pu.Host = p.Addr()
	return pu.String()
}

// Stall stops passing bytes in both directions.
func (p *StallProxy) Stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

// Resume passes bytes again, including what was held back.
func (p *StallProxy) Resume() {
	p.mu.Lock()
	p.stalled = false
	p.resumed.Broadcast()
	p.mu.Unlock()
}

// Close stops the proxy and every connection through it.
func (p *StallProxy) Close() {
	p.ln.Close()
	p.Resume()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

func (p *StallProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *StallProxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go p.pipe(up, c)
	p.pipe(c, up)
}

// pipe copies src to dst, holding each chunk while the proxy is stalled.
func (p *StallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled {
				p.resumed.Wait()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}
