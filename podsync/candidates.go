package podsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// uncertainRetries bounds how often one candidate is retried after a 5xx or
// a lost answer (each time after looking the name up first).
const uncertainRetries = 3

// tryCandidates walks the plan per the spec's create table: 400 and 403 move
// to the next candidate, 402 stops, 422 refuses, 429 and 5xx wait.
func (p *Provider) tryCandidates(ctx context.Context, pod *corev1.Pod, plan *policy.PlacementPlan, q policy.CatalogQuery) createResult {
	cands := plan.Candidates
	if len(cands) > p.s.MaxCandidates {
		cands = cands[:p.s.MaxCandidates]
	}
	if p.s.MaxHourlySpend > 0 {
		spend, count := p.currentSpend(podKey(pod))
		var affordable []policy.Candidate
		for _, c := range cands {
			if p.fits(spend, c.HourlyCost) {
				affordable = append(affordable, c)
			}
		}
		if len(affordable) == 0 {
			return p.wait(pod, ReasonSpendCap, fmt.Sprintf(
				"node spend cap MAX_HOURLY_SPEND $%.2f/h reached: %s cost $%.2f/h and the cheapest candidate adds $%.2f/h; waiting for spend to drop",
				p.s.MaxHourlySpend, podCount(count), spend, cands[0].HourlyCost), EventSpendCap)
		}
		cands = affordable
	}
	first := cands[0]
	p.event(pod, corev1.EventTypeNormal, EventPlanned, "%s; %s; trying %d candidate(s), first %s at $%.2f/h",
		plan.Explanation, launchNote(plan.Launch), len(cands), describe(first), first.HourlyCost)

	var lastDetail string
	refused := 0 // candidates RunPod refused, as opposed to ones the spend cap held back
	for _, c := range cands {
		if !p.reserve(podKey(pod), c.HourlyCost) {
			continue // a parallel create booked the room first
		}
		rp, err := p.createOne(ctx, pod, plan, c)
		switch {
		case err == nil:
			p.event(pod, corev1.EventTypeNormal, EventCreated, "created RunPod pod %s: %s at $%.2f/h", rp.ID, describe(c), rp.Cost)
			return createResult{pod: rp, plan: plan}
		case ctx.Err() != nil:
			return createResult{}
		case errors.Is(err, runpodapi.ErrRejected), errors.Is(err, runpodapi.ErrForbidden):
			lastDetail = detailOf(err)
			refused++
			p.event(pod, corev1.EventTypeNormal, EventCandidateSkipped, "%s refused: %s", describe(c), lastDetail)
			p.catalog.forget(q)
		case errors.Is(err, runpodapi.ErrInvalid):
			return p.refuse(pod, fmt.Errorf("RunPod rejected the request for %s: %w", describe(c), err))
		case errors.Is(err, runpodapi.ErrTooLarge):
			return p.refuse(pod, fmt.Errorf("RunPod refused the create request for %s as too large: %d bytes, over its %d-byte limit (with a template's settings merged in, RunPod's count can be higher); put large files in the image or a network volume: %w",
				describe(c), requestBytes(c.Request), runpodapi.MaxRequestBytes, err))
		case errors.Is(err, runpodapi.ErrInsufficientBalance):
			return p.wait(pod, ReasonCreateErr, "RunPod account balance is too low: "+detailOf(err), EventCreateError)
		default: // rate limited, transient, uncertain after retries
			return p.wait(pod, ReasonCreateErr, fmt.Sprintf("create %s: %v", describe(c), err), EventCreateError)
		}
	}
	if refused == 0 {
		spend, count := p.currentSpend(podKey(pod))
		return p.wait(pod, ReasonSpendCap, fmt.Sprintf(
			"node spend cap MAX_HOURLY_SPEND $%.2f/h reached: %s cost $%.2f/h with creates in flight and the cheapest candidate adds $%.2f/h; waiting for spend to drop",
			p.s.MaxHourlySpend, podCount(count), spend, cands[0].HourlyCost), EventSpendCap)
	}
	return p.wait(pod, ReasonNoCapacity, fmt.Sprintf("every candidate (%d) was refused; last answer: %s", len(cands), lastDetail), EventNoCapacity)
}

// createOne creates one candidate. An uncertain outcome (5xx, lost answer) is
// resolved by looking the name up: found is adopted, absent is tried again,
// and when the lookup fails too the error goes back (the pod waits, and the
// next round's list decides) — a create is never repeated blind.
// The request itself does not stop when the pod is deleted meanwhile: its
// answer is needed to delete what it made (finishCreate does).
func (p *Provider) createOne(ctx context.Context, pod *corev1.Pod, plan *policy.PlacementPlan, c policy.Candidate) (*runpodapi.Pod, error) {
	var err error
	for attempt := 0; attempt <= uncertainRetries; attempt++ {
		if p.isDeleted(podKey(pod), pod.UID) {
			return nil, context.Canceled
		}
		if ctx.Err() != nil || !p.posts.begin() {
			return nil, context.Canceled // the term is over: its successor decides
		}
		p.tr.get(podKey(pod), func(t *tracked) { t.posted = t.posted || t.uid() == pod.UID })
		p.acct.touchPlan(plan, p.now()) // GC spares what this POST names while it may land
		var rp *runpodapi.Pod
		rp, err = p.rp.CreatePod(ctx, c.Request) // the client never abandons a POST it sent; waiting for the rate gate ends with the term
		p.posts.end()
		if p.health != nil {
			p.health.ObserveRunPod(ignoreRefusals(err), p.now())
		}
		if err == nil {
			return rp, nil
		}
		if !errors.Is(err, runpodapi.ErrCreateUncertain) {
			return nil, err
		}
		p.log.Warn("create answer lost; looking the pod up by name before retrying", "pod", podKey(pod), "name", c.Request.Name, "err", err)
		found, lerr := p.lookupName(ctx, pod.UID, true)
		switch {
		case lerr != nil:
			return nil, fmt.Errorf("%w; looking it up failed too: %v", err, lerr)
		case found != nil:
			return found, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * min(p.s.RetryBackoff, time.Second)):
		}
	}
	return nil, err
}

// ignoreRefusals keeps 4xx answers out of the API-health signal: RunPod answered.
func ignoreRefusals(err error) error {
	if errors.Is(err, runpodapi.ErrTransient) || errors.Is(err, runpodapi.ErrUnauthorized) {
		return err
	}
	return nil
}

func (p *Provider) isDeleted(key string, uid types.UID) bool {
	deleted := true
	p.tr.get(key, func(t *tracked) { deleted = t.deleted || t.uid() != uid })
	return deleted
}

func (p *Provider) refuse(pod *corev1.Pod, err error) createResult {
	p.event(pod, corev1.EventTypeWarning, EventRefused, "%v", err)
	p.metrics.Count(OpRefuse)
	p.log.Info("pod refused", "pod", podKey(pod), "reason", err)
	return createResult{waiting: &WaitingReason{Reason: ReasonRefused, Message: err.Error()}, retry: retryNever}
}

// wait holds the pod back: the spend cap is checked again every
// FastInterval (spend drops when any pod ends), everything else retries
// with the creates queue's back-off.
func (p *Provider) wait(pod *corev1.Pod, reason, msg, event string) createResult {
	repeat := false
	p.tr.get(podKey(pod), func(t *tracked) {
		repeat = t.uid() == pod.UID && t.waiting != nil && t.waiting.Reason == reason && t.waiting.Message == msg
	})
	p.metrics.Count(OpCreateError)
	if !repeat { // one Event per new reason, not one per retry
		p.event(pod, corev1.EventTypeWarning, event, "%s", msg)
	}
	p.log.Info("pod waiting", "pod", podKey(pod), "reason", reason, "message", msg, "retries", p.q.creates.NumRequeues(podKey(pod)))
	res := createResult{waiting: &WaitingReason{Reason: reason, Message: msg}, retry: retryBackoff}
	if reason == ReasonSpendCap {
		res.retry, res.after = retryAfter, p.s.FastInterval
	}
	return res
}

func describe(c policy.Candidate) string {
	var b strings.Builder
	if c.GpuTypeID != "" {
		fmt.Fprintf(&b, "%d× %s", max(c.Request.Gpu.Count, 1), c.GpuTypeID)
	} else if c.Request.Cpu != nil {
		fmt.Fprintf(&b, "%d vCPU %s", c.Request.Cpu.VcpuCount, c.Request.Cpu.ID)
	}
	if c.DataCenterID != "" {
		b.WriteString(" in " + c.DataCenterID)
	} else {
		b.WriteString(" (RunPod picks the data center)")
	}
	return b.String()
}

func detailOf(err error) string {
	var ae *runpodapi.APIError
	if errors.As(err, &ae) && ae.Detail != "" {
		return ae.Detail
	}
	return err.Error()
}

func podCount(n int) string {
	if n == 1 {
		return "1 RunPod pod"
	}
	return fmt.Sprintf("%d RunPod pods", n)
}

// launchNote says what runs and whether its exit status will be known.
func launchNote(l policy.Launch) string {
	if l.Wrapped {
		return fmt.Sprintf("runs %s under the exit-status wrapper", shellescape.QuoteCommand(l.Cmd))
	}
	return "its exit status will not be known: " + l.Unwrapped
}

// requestBytes is the size of a create request's body.
func requestBytes(req runpodapi.CreatePodRequest) int {
	b, err := json.Marshal(req)
	if err != nil {
		return 0
	}
	return len(b)
}
