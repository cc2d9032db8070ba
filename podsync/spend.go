package podsync

// Spend is counted from what RunPod bills (each tracked pod's latest cost)
// plus what in-flight creates have reserved, so parallel creates cannot
// together overshoot MAX_HOURLY_SPEND.

// currentSpend is the node's $/h and RunPod pod count, not counting except's reservation.
func (p *Provider) currentSpend(except string) (float64, int) {
	var total float64
	var count int
	p.tr.with(func(m map[string]*tracked) {
		for key, t := range m {
			c, n := t.hourlyCost()
			if key == except {
				c -= t.reserved
			}
			total += c
			count += n
		}
	})
	return total, count
}

// reserve books cost for key's create if it fits under the cap (always when
// there is no cap). It replaces key's earlier reservation.
func (p *Provider) reserve(key string, cost float64) bool {
	ok := false
	p.tr.with(func(m map[string]*tracked) {
		t, found := m[key]
		if !found {
			return
		}
		if p.s.MaxHourlySpend <= 0 {
			t.reserved, ok = cost, true
			return
		}
		var total float64
		for k, o := range m {
			c, _ := o.hourlyCost()
			if k == key {
				c -= o.reserved
			}
			total += c
		}
		if total+cost <= p.s.MaxHourlySpend+1e-9 {
			t.reserved, ok = cost, true
		}
	})
	return ok
}

// hourlyCost is what the pod bills now, or has reserved while being created.
func (t *tracked) hourlyCost() (float64, int) {
	switch {
	case t.terminal || t.deleted:
		return 0, 0
	case t.runpod != nil:
		return t.runpod.Cost, 1
	case t.runpodID != "":
		// Adopted by annotation while RunPod could not be listed: what it billed last.
		return ReadState(t.pod.Annotations).CostPerHr, 1
	case t.creating:
		return t.reserved, 0
	}
	return 0, 0
}
