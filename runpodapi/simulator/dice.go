package simulator

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sync"
)

// dice is the seeded random source for ids, addresses and fault decisions.
type dice struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newDice(seed int64) *dice {
	return &dice{rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// chance reports true with probability p.
func (d *dice) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64() < p
}

// intN is uniform in [0, n).
func (d *dice) intN(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.IntN(n)
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// podID is 14 lowercase alphanumerics, like RunPod's ("gfj8b292vyg08g").
func (d *dice) podID() string { return d.token(14) }

// token is n lowercase alphanumerics.
func (d *dice) token(n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[d.rng.IntN(len(idAlphabet))]
	}
	return string(b)
}

// accountSeed turns Options.Seed into the seed of the account-object ids.
const accountSeed = 0x5ec7e75

// newAccountID is a registry credential or account secret id: 8 lowercase
// alphanumerics like the spec's example ("6n2k8v4d"), unique among both.
// The lock is held.
func (s *Simulator) newAccountID() string {
	for {
		id := s.ids.token(8)
		_, reg := s.st.registry(id)
		if !reg && !slices.ContainsFunc(s.st.secrets, func(a *accountSecret) bool { return a.id == id }) {
			return id
		}
	}
}

// hex returns n random lowercase hex digits.
func (d *dice) hex(n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdef"[d.rng.IntN(16)]
	}
	return string(b)
}

// publicIP is a documentation-range address (RFC 5737), deterministic per pod.
func publicIP(podID string) string {
	h := hash32(podID, "ip")
	nets := [...]string{"203.0.113", "198.51.100"}
	return fmt.Sprintf("%s.%d", nets[h%2], 1+(h>>1)%254)
}

// globalIP is the pod's address on the global network, deterministic per pod.
func globalIP(podID string) string {
	h := hash32(podID, "global")
	return fmt.Sprintf("10.65.%d.%d", (h>>8)%256, 1+h%254)
}

// hash32 is a stable hash of its parts, for deterministic pseudo-random values.
func hash32(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum32()
}
