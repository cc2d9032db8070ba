// Package e2e runs runpod-kubelet end to end: a real etcd, kube-apiserver,
// kube-scheduler and kube-controller-manager on 127.0.0.1 (tests/cluster),
// the RunPod v2 simulator in-process, and the kubelet binary as a separate
// process with the ServiceAccount and RBAC of kustomize/rbac. Every scenario
// asserts on the Kubernetes API and on the simulator's state.
//
// The scenarios, by the number their comments and reports use:
//
//	1-3 TestNodePodLifecycle (lifecycle_test.go): the node registers Ready; a pod is scheduled, runs on RunPod, is annotated and serves logs; deleting it terminates the RunPod pod.
//	4   TestJobAnnotationsOnJob (job_test.go): a Job's annotations place its pod; the pod Succeeds, the Job completes, the RunPod pod is deleted.
//	5   TestRefusalsMakeNoRunPodCall (refusal_test.go): bad input makes no RunPod call; pods the node must not run fail at admission.
//	6   TestCapacityFallbackAndWait (capacity_test.go): a refused datacenter falls back to the next allowed one; with no stock anywhere the pod waits, then places when stock returns.
//	7   TestHALeaderKilledDuringBurst (ha_test.go): a leader SIGKILLed mid-burst is replaced with one RunPod pod per pod; SIGTERM hands over fast.
//	8   TestCrashPointsCreateNotDuplicated (crash_test.go): a crash before the pod-id annotation, or a 500 after the create, never makes a second pod.
//	9   TestRunPodOutageAndRateLimitStorm (outage_test.go): a 503 outage and a 429 storm fail no pod, keep the node Ready, and converge after.
//	10  TestOrphanGarbageCollection (orphan_test.go): this node's orphans are deleted after ORPHAN_GRACE (5 s here); hand-made and other clusters' pods never.
//	11  TestSpendCapHoldsSecondPod (spend_test.go): MAX_HOURLY_SPEND holds the second pod until the first is deleted.
//	12  TestForgedPodIDNeverActsOnAnotherPod (safety_test.go): a forged runpod.io/pod-id never reaches another pod's RunPod pod.
//	13  TestLaggingEmptyAndPagedListingsKillNothing (safety_test.go): lagging, empty and lost listing pages fail nothing and create nothing twice.
//	14  TestHandoverDuringCreateMakesNoDuplicate (safety_test.go): a create in flight across a leader change (SIGKILL or SIGTERM) makes one RunPod pod.
//	15  TestJobsEndWithTheirExitCode (faithful_test.go): Jobs end as their command did (exit 3 Failed, exit 0 Succeeded, the image's ENTRYPOINT + CMD); ended pods keep their logs.
//	16  TestFilesUpdatesAndGracefulStop (faithful_test.go): ConfigMap and Secret files and workingDir reach the command; set image restarts it on RunPod; delete sends SIGTERM first; PVCs are refused; activeDeadlineSeconds fails the pod.
//	17  TestPlacementAsPeopleAskForIt (placement_test.go): "H100" and cpu/memory requests place on the right H100 host; a private image gets a registry credential from its imagePullSecret; a Secret's value reaches the container, never GET /v2/pods; both are collected after the pod.
//	18  TestReleaseImageRunsTheNode (image_test.go): the image scripts/image.sh built runs under podman on the host network; the node goes Ready and a pod Runs (skipped without RPK_IMAGE).
//	19  TestKubectlTopThroughMetricsServer (top_test.go): a real metrics-server behind the aggregation layer scrapes /metrics/resource; kubectl top pod and node show the RunPod pod's usage; /metrics shows its GPU utilisation.
//	20  TestKubectlExecOverSSH (exec_test.go): kubectl exec (exit status), exec -it on a pty, cp both ways and port-forward reach the pod over SSH as the node's key; attach and opted-out pods are refused; the private key shows nowhere.
//
// Scenarios without a latency assertion (5, 4, 6, 9-13, 15-20) call t.Parallel and
// run two at a time after the others; HA, crash and hand-over timings are
// measured alone.
//
// The suite runs only with RPK_E2E=1 (scripts/test.sh sets it), so a plain
// `go test ./...` stays fast.
package e2e
