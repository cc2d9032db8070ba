package runpodapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// GetPod returns one pod (GET /v2/pods/{id}); errors.Is(err, ErrNotFound) when gone.
func (c *Client) GetPod(ctx context.Context, id string) (*Pod, error) {
	var out Pod
	err := c.do(ctx, call{op: "get pod " + id, method: http.MethodGet, route: "GET /v2/pods/{id}",
		path: "/v2/pods/" + url.PathEscape(id), want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreatePod creates a pod (POST /v2/pods). It is never retried blindly: on a
// 5xx or a lost connection it returns a *CreateUncertainError
// (errors.Is(err, ErrCreateUncertain)) and the caller must look the name up
// before trying again. 400/402/403/422 come back as *APIError of their class.
func (c *Client) CreatePod(ctx context.Context, req CreatePodRequest) (*Pod, error) {
	var out Pod
	err := c.do(ctx, call{op: "create pod " + req.Name, method: http.MethodPost, route: "POST /v2/pods",
		path: "/v2/pods", body: req, want: http.StatusCreated, out: &out})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.Status == 0 || ae.Status >= 500) {
			return nil, &CreateUncertainError{Name: req.Name, Err: ae}
		}
		return nil, err
	}
	return &out, nil
}

// UpdatePod patches a pod (PATCH /v2/pods/{id}).
func (c *Client) UpdatePod(ctx context.Context, id string, req UpdatePodRequest) (*Pod, error) {
	var out Pod
	err := c.do(ctx, call{op: "update pod " + id, method: http.MethodPatch, route: "PATCH /v2/pods/{id}",
		path: "/v2/pods/" + url.PathEscape(id), body: req, want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePod terminates a pod (DELETE /v2/pods/{id}); billing stops.
// errors.Is(err, ErrNotFound) means it was already gone, ErrLocked that
// someone locked it (RunPod refuses until it is unlocked).
func (c *Client) DeletePod(ctx context.Context, id string) error {
	return c.do(ctx, call{op: "delete pod " + id, method: http.MethodDelete, route: "DELETE /v2/pods/{id}",
		path: "/v2/pods/" + url.PathEscape(id), want: http.StatusNoContent})
}

// PodAction triggers start, stop or restart (POST /v2/pods/{id}/action) and
// returns the updated pod. Terminate answers 204: the pod is nil then.
// errors.Is(err, ErrConflict) when the action is not valid in the pod's
// status, ErrLocked when a locked pod is asked to stop or restart.
func (c *Client) PodAction(ctx context.Context, id string, action PodAction) (*Pod, error) {
	cl := call{op: string(action) + " pod " + id, method: http.MethodPost, route: "POST /v2/pods/{id}/action",
		path: "/v2/pods/" + url.PathEscape(id) + "/action", body: PodActionRequest{Action: action}}
	if action == ActionTerminate {
		cl.want = http.StatusNoContent
		return nil, c.do(ctx, cl)
	}
	var out Pod
	cl.want, cl.out = http.StatusOK, &out
	if err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}
