package app

import (
	"fmt"
	"net"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Settings are parsed once, by Load, into these types; nothing downstream
// parses a setting's string again.

// Quantity is a Kubernetes quantity setting (NODE_CAPACITY_*).
type Quantity struct{ resource.Quantity }

// UnmarshalText reads a quantity such as 64, 500m or 4Ti (envconfig uses it).
func (q *Quantity) UnmarshalText(b []byte) error {
	parsed, err := resource.ParseQuantity(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a Kubernetes quantity such as 64, 500m or 4Ti", b)
	}
	q.Quantity = parsed
	return nil
}

// MustQuantity is a Quantity from a literal, for defaults and tests.
func MustQuantity(s string) Quantity { return Quantity{resource.MustParse(s)} }

// HostPort is a listen address setting (LISTEN_ADDR, HEALTH_ADDR).
type HostPort struct {
	Host string // "" = every interface
	Port int32
}

// UnmarshalText reads host:port, :port or [v6]:port (envconfig uses it).
func (h *HostPort) UnmarshalText(b []byte) error {
	host, port, err := net.SplitHostPort(string(b))
	n, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil {
		return fmt.Errorf("%q is not a host:port such as :10250", b)
	}
	*h = HostPort{Host: host, Port: int32(n)}
	return nil
}

// String is the address to listen on.
func (h HostPort) String() string { return net.JoinHostPort(h.Host, strconv.Itoa(int(h.Port))) }
