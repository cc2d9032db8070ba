// Package simulator is an in-memory RunPod REST v2 API: the test double of
// the runpodapi client, an http.Handler that behaves like the OpenAPI spec
// (shared/runpod/openapi-v2.json, embedded here as spec/openapi-v2.json).
// It runs in-process (New, NewServer) or as its own process
// (`runpod-kubelet simulate`, see Main).
//
// It owns the simulated account (pods, their lifecycle and logs), the
// simulated market (GPU types, data centers, one CPU flavor, finite stock),
// rate limits and injected faults. It must not import anything of the
// kubelet: it knows only the spec and the shared types of package runpodapi.
//
// # Behaviour
//
// Routes: GET/POST /v2/pods, GET/PATCH/DELETE /v2/pods/{id},
// POST /v2/pods/{id}/action, GET /v2/pods/{id}/logs, GET /v2/catalog/gpus,
// GET /v2/catalog/cpus, GET /v2/catalog/datacenters. Every error is application/problem+json.
// Create, PATCH and action bodies are validated against the spec's schemas
// (422 with errors[]), then the handler-layer rules apply (400).
//
// Pods move PROVISIONING → STARTING → RUNNING after Options.ProvisioningDelay
// and Options.StartingDelay. Status is computed from the clock when asked,
// never by timers, so idle pods cost nothing. The data center is chosen at
// create (the first of dataCenterIds with room, or the one with the most free
// units) and kept for the pod's life, like a host assignment; ssh.proxy is
// therefore set from create on. A pod holds its GPUs (or vCPUs) while
// PROVISIONING, STARTING or RUNNING; stop, an exit and an error release them
// (the spec's stop action "releases GPU/CPU compute while keeping its disk"),
// so start needs free stock in the pod's data center again (400 otherwise).
// Delete releases them too. Image, args, env and ports changed by PATCH reach
// the container at its next start or restart. Locked pods refuse stop and
// restart with 409.
//
// Capacity is counted per (GPU type, data center) in GPUs, and for the CPU
// flavor "cpu3c" in vCPUs. The only pod template is BuiltinTemplateID; any
// other templateId is 404. Network volume ids are not checked.
//
// # Listing
//
// GET /v2/pods is cursor-paginated like the live API: Options.PageSize pods a
// page in creation order, with `"pagination": {"hasNextPage", "nextCursor"}`
// beside `pods`; the next page is asked for with ?cursor=<nextCursor>
// (runpodapi.ListCursorParam). A cursor names the place after a page's last
// pod, so deletes between pages move nothing; a cursor not given out is 422.
// Faults: ListLag leaves young pods out of listings, EmptyLists answers one
// empty complete page, FailPages fails pages after the first, SlowCreate
// holds a POST before the pod is made.
//
// # Simulator-only pod env vars
//
// These are not RunPod features; they script a pod's container:
//
//	RUNPOD_SIM_EXIT_AFTER=<Go duration>  the pod goes EXITED that long after reaching RUNNING
//	RUNPOD_SIM_FAIL_AFTER=<Go duration>  the pod goes ERROR that long after reaching RUNNING
//	RUNPOD_SIM_LOG_LINES=<lines>         container log lines separated by newlines (or a
//	                                     literal `\n`), printed once, in order, one per
//	                                     LogInterval, instead of "step N: loss=…"
//
// They are read when a run begins (create, start, restart). A malformed
// duration is a 400 on create and PATCH.
//
// # Catalog availability
//
// GET /v2/catalog/gpus?include=AVAILABILITY&product=… rates each data center
// from its free units f against the requested count c: f < c is NONE,
// f < 2c LOW, f < 6c MEDIUM, otherwise HIGH. The overall availability is the
// best data center's. dataCenters lists the data centers that offer the type
// in the requested configuration (cloud, count ≤ maxCount, CUDA filters) and
// is omitted when none does. Data center gpuAvailability uses c = 1 and
// cpuAvailability c = 2 vCPUs. The product (POD, CLUSTER, SERVERLESS) does
// not change the answer. Stock is shared by both clouds; a type with
// community=false has no community stock.
//
// # Rate limits and logs
//
// Fixed minute/hour/day windows per API key, aligned to UTC boundaries. Every
// authenticated response carries RateLimit and RateLimit-Policy; an exhausted
// window answers 429 with Retry-After (seconds until it resets) and consumes
// nothing. Log events have ids "<RFC 3339 ts>/<12-digit sequence>"; `since`
// is inclusive (ts ≥ since), Last-Event-ID resumes strictly after that event
// (or, when it is a bare timestamp, after that time). A stream ends when the
// pod is no longer PROVISIONING, STARTING or RUNNING, is deleted, or the
// simulator closes.
//
// # Admin endpoints
//
// Under /_sim/, with the same bearer key, not counted, not rate limited, not
// faulted; for end-to-end tests against a separate process:
//
//	GET    /_sim/counters                requests per route (JSON object)
//	DELETE /_sim/counters                reset them
//	GET    /_sim/faults                  active faults (FaultsJSON)
//	POST   /_sim/faults                  replace them: {"latency":"200ms","errorRate":0.1,
//	                                     "rateLimitStorm":true,"createThen500":1,
//	                                     "resetRate":0.05,"outageFor":"30s","listLag":"3s",
//	                                     "emptyLists":3,"failPages":1,"slowCreate":"5s"}
//	POST   /_sim/pods/{id}/status        {"status":"EXITED"} (see SetStatus)
//	GET    /_sim/capacity?gpuTypeId=&dataCenterId=
//	POST   /_sim/capacity                {"gpuTypeId":"…","dataCenterId":"…","free":0}
//	POST   /_sim/seed                    a CreatePodRequest; 201 Pod, bypasses quota and faults
package simulator
