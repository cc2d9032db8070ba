// Package simulator is an in-memory RunPod REST v2 API: the test double of
// the runpodapi client, an http.Handler that behaves like the OpenAPI spec
// (shared/runpod/openapi-v2.json, embedded here as spec/openapi-v2.json).
// It runs in-process (New, NewServer) or as its own process
// (the runpod-simulator command, see Main).
//
// It owns the simulated account (pods, their lifecycle and logs, registry
// credentials, account secrets, SSH keys), each pod's SSH server, the simulated market (GPU types, data
// centers and their machines, one CPU flavor, finite stock, private images),
// rate limits and injected faults. It must not import anything of the
// kubelet: it knows only the spec and the shared types of package runpodapi.
//
// # Behaviour
//
// Routes: GET/POST /v2/pods, GET/PATCH/DELETE /v2/pods/{id},
// POST /v2/pods/{id}/action, GET /v2/pods/{id}/logs, GET /v2/catalog/gpus,
// GET /v2/catalog/cpus, GET /v2/catalog/datacenters, GET/POST
// /v2/registries, GET/DELETE /v2/registries/{id}, GET/POST
// /v2/account/secrets, DELETE /v2/account/secrets/{id}, GET/PUT
// /v2/account/ssh-keys. Every error is
// application/problem+json. Request bodies are validated against the spec's
// schemas (422 with errors[]), then the handler-layer rules apply (400).
//
// Every request passes, in order: the request counter, the body limit (a
// body over runpodapi.MaxRequestBytes, 102,400 bytes, by Content-Length or
// as read, answers 413 "request body exceeds the limit of 102400 bytes"
// before authentication, so without rate-limit headers; a create with a
// templateId is measured again with the template merged in), the bearer
// key (401), faults and rate limits, then the route (404/405).
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
// Delete releases them too.
//
// A locked pod (PATCH {"locked": true}, or SetLocked) answers stop, restart,
// terminate and DELETE with the live API's 400 {"detail": "Pod is locked"}
// while actions still lists them (terminate is the DELETE, so it is refused
// too); start, PATCH and unlocking work. An action the status does not
// allow stays the 409 it is for any pod.
//
// A PATCH that changes the image or the command (args, entrypoint, cmd) of a
// PROVISIONING, STARTING or RUNNING pod restarts it at once with the new
// settings, as RunPod does: the system line "restarting container: image or
// command changed", then a new boot, from PROVISIONING when the pod was still
// provisioning (the delay starts over), else from STARTING like the restart
// action; startedAt keeps the first run. A PATCH that leaves image and command
// equal restarts nothing; env and ports, and every change to an EXITED or
// ERROR pod, reach the container at its next start or restart. An EXITED pod
// keeps its log (GET /v2/pods/{id}/logs serves the backfill, then ends the
// stream) until it is deleted.
//
// Capacity is counted per (GPU type, data center) in GPUs, and for the CPU
// flavor "cpu3c" in vCPUs. The only pod template is BuiltinTemplateID; any
// other templateId is 404. Network volume ids are not checked.
//
// # Machines (a spec addition)
//
// Every GPU type's machines give each GPU a number of host vCPUs and GB of
// host RAM (MachineSpec; DefaultMachines):
//
//	RTX 3090, RTX 4090, RTX A5000, RTX A6000            8 vCPUs,  62 GB per GPU
//	L40S, A100 PCIe, A100 SXM, H100 PCIe               16 vCPUs, 125 GB per GPU
//	H100 SXM (NVIDIA H100 80GB HBM3)                   24 vCPUs, 251 GB per GPU
//
// Options.Machines overrides a type; SetMachine (or POST /_sim/machines)
// changes a type everywhere or in one data center. A create's
// gpu.minVcpuCountPerGpu and gpu.minRamPerGpu (integers ≥ 1, spec additions)
// leave out the data centers whose machines have less; when none is left the
// answer is the same 400 no-capacity problem as an empty pool. The Pod's gpu
// block reports vcpuCount = count × vCPUs per GPU and memory = count × RAM
// per GPU of the machine it was placed on (fixed at create).
//
// # Registry credentials and private images
//
// POST /v2/registries {name, username, password} answers 201 {id, name}
// (8-character ids; names need not be unique, the spec gives no conflict
// answer); username and password are stored and never appear in an answer,
// an error or a log. GET lists {"registries": […]} in creation order, GET
// /v2/registries/{id} is one or 404, DELETE is 204, 404 when unknown, and
// 400 naming the pod while any pod the account holds (none is terminated:
// deleted pods are gone) has it as its registry. A create or PATCH whose
// registry names no credential is 400 `registry "<id>": no container
// registry credential with that id`.
//
// A repository ("host[:port]/path", or a Docker Hub name like acme/trainer,
// which is docker.io/acme/trainer) is private when Options.PrivateImages,
// SetPrivateImage or POST /_sim/private-images says so, with the username
// and password its registry accepts; a pod image matches it with any tag or
// digest. Every other image is public. When a boot needs the image (the
// pod's host does not hold it yet: its first boot, or a new image) and the
// image is private, the pod's registry credential must hold exactly that
// username and password. Otherwise the pull is refused and the container
// never starts: the pod stays in the phase the boot began in (PROVISIONING
// after a create, STARTING after start, restart or a PATCH of the image)
// for good, holding and billing its GPUs as a live pod stuck pulling does,
// with runtime null, startedAt unset, actions [stop, terminate] and no
// container lines. Its system log repeats, every pull attempt,
// "pulling image <image>" and, a provisioning delay later,
// "pull access denied for <image>: unauthorized"; the next attempt begins
// 30s after the denial. A PATCH that changes the registry of such a pod
// tries again at once with the new credential ("retrying image pull:
// registry credential changed"); stop, a PATCH of the image and delete work
// as for any pod. A host keeps an image it pulled, so a restart runs it even
// after the credential is cleared.
//
// # Account secrets (a spec addition)
//
// GET /v2/account/secrets[?name=] answers {"secrets": [{id, name,
// description?}]} in creation order (name filters exactly; never values).
// POST {name, value, description?} (no other field) answers 201 {id, name,
// description}: 422 when the name breaks runpodapi.ValidSecretName (letters,
// digits and _.-/, at most 191, not starting with RUNPOD in any case) or the
// value is empty, 409 when the name is taken. DELETE
// /v2/account/secrets/{id} is 204, or 404. Rotation is not simulated.
//
// When a container boots, every {{ RUNPOD_SECRET_<name> }} in an env value
// (runpodapi.SecretReference; any blanks inside the braces) becomes that
// secret's value as stored at that moment; a name with no secret stays
// literal. Only the container sees it: its program, the wrapper's files and
// RUNPOD_SIM_* read it, while GET /v2/pods and GET /v2/pods/{id} keep
// answering the reference.
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
// # Exec-form command (a spec addition)
//
// spec_additions.go adds `entrypoint` and `cmd` (arrays of strings) to the
// spec's ContainerConfig, as the live API has them (API-NOTES), so create and
// PATCH accept them and a Pod may carry them. A pod's command is the pair
// (entrypoint, cmd), and `args` encodes it:
//
//   - a string that is a JSON object must be {"entrypoint":[…],"cmd":[…]}
//     (only those keys, arrays of strings; a missing key is empty);
//   - any other string is CMD split into words (blanks separate them; '…',
//     "…" and \ quote as in sh; no expansions), with no entrypoint.
//
// args, when sent, describes the whole command and is stored as sent;
// entrypoint or cmd sent beside it must equal the part args gives ([] equals
// empty), else 400 "args and cmd describe different commands". Without args,
// entrypoint and cmd replace their part ([] clears it, omitted leaves it: in
// a PATCH the other part stays) and args is stored as their JSON object,
// empty parts left out ("" when both are empty). Responses carry args as
// stored plus entrypoint and cmd (omitted when empty). A malformed args (a
// JSON object of another shape, an open quote) is 400.
//
// # What the container runs
//
// At each boot the simulator turns the pod's argv into a timeline of
// container log lines, an exit time and an exit status, evaluated lazily from
// the clock like the rest of the lifecycle. The container's env is the pod's
// env with account secrets substituted, over HOME=/root, a standard PATH and
// RunPod's RUNPOD_POD_ID. argv is entrypoint + cmd when
// entrypoint is set, else cmd alone (the simulated image's ENTRYPOINT is
// empty). The program starts when the pod reaches RUNNING (the system line
// "container started"); every line it prints takes 1ms of simulated time, so
// its lines are stamped start, start+1ms, …, and only sleep moves time
// further. Programs are named by base name (/bin/echo is echo):
//
//	echo ARGS…       prints ARGS joined by spaces (no options or escapes: -n is printed); status 0
//	cat FILE…        prints each file of the pod's filesystem (see the wrapper) line by line,
//	                 a last line without a newline ending with its file; relative names
//	                 start at the working directory; a missing FILE prints
//	                 "cat: FILE: No such file or directory", a directory "cat: FILE: Is a
//	                 directory", and the status is 1; no FILE, or "-", reads an empty stdin
//	sleep N…         waits the sum of the N (seconds, decimals allowed, suffix s, m, h or d);
//	                 "infinity" never ends; a bad N prints "sleep: invalid time interval 'N'",
//	                 none "sleep: missing operand", status 1
//	true, false      status 0, status 1
//	pwd              prints the working directory ("/" unless the wrapper sets one)
//	sh -c SCRIPT …   also /bin/sh and bash: runs SCRIPT (below); words after SCRIPT are ignored
//
// SCRIPT holds statements separated by ";", newlines, "&&" and "||" (&& runs
// the next statement only after status 0, || only after a failure; a skipped
// statement keeps the status), with # comments and the quoting of args, and
// $NAME and ${NAME} expanded from the container's env (unset is empty;
// unquoted, the value is split at blanks, and one holding * ? or [ is not
// emulated). A
// statement is one of the programs above, ":", `exit [N]` (ends the program
// with N mod 256, or with the last status), `trap ACTION SIGNAL…` (when the
// signals include TERM, SIGTERM or 15: ACTION is a SCRIPT to run on SIGTERM,
// an empty ACTION ignores SIGTERM, - restores the default; INT, HUP, QUIT, USR1 and USR2
// are accepted and never delivered), or `while :; do LIST; done` (also
// `while true`). Loop iterations are identical (the language has no state),
// so a loop that does not exit in its first iteration runs until the pod is
// stopped, printing that iteration's lines every period. The program's status
// is its last statement's, or exit's.
//
// Any other program, and any script beyond this subset (special parameters
// such as $? $1 $@, ${NAME…} operators, $( ) and ` substitution,
// globs, ~, pipes, redirections, & jobs, subshells, braces, if/for/case,
// assignments, other loop conditions, EXIT traps, nested sh), leaves the
// command unemulated: it then prints the default output, one line each
// Options.LogInterval from RUNNING on, forever: RUNPOD_SIM_LOG_LINES once
// when set, else "step N: loss=…". So does a pod with neither entrypoint nor
// cmd. A program that ends makes the pod EXITED at that moment, whatever its
// status (the system line "container exited"); ERROR comes only from
// RUNPOD_SIM_FAIL_AFTER.
//
// # The runpod-kubelet wrapper, interface v1
//
// An argv ["/bin/sh", "-c", SCRIPT, "runpod-kubelet", CMD…] whose SCRIPT's
// first line is exactly "# runpod-kubelet wrapper v1" is recognised by that
// line (SCRIPT itself is not interpreted) and emulated as policy/wrapper.go
// defines it (the names are in wrapper.go):
//
//  1. Files: for i in 0..RUNPOD_KUBELET_FILES-1, RUNPOD_KUBELET_FILE_<i>_PATH
//     (absolute; parent directories are made), _MODE (octal) and _DATA
//     (printf %b: \0ooo is the byte ooo, \\ \a \b \f \n \r \t \v as in C,
//     \c ends the data, anything else literal). A path that is not absolute,
//     is a directory or lies under a file is skipped, and a bad mode leaves
//     the file 0644; each prints "runpod-kubelet: cannot write PATH".
//  2. RUNPOD_KUBELET_DIRS (colon-separated) are made; RUNPOD_KUBELET_WORKDIR
//     is made and becomes the working directory that pwd prints (when a file
//     is in its way: "runpod-kubelet: cannot enter DIR", then the marker with
//     status 128, and CMD does not run).
//  3. CMD runs as above (unemulated: the default output; no words: it
//     succeeds at once).
//  4. When CMD ends, the container's last line, at that moment, is
//     "runpod-kubelet: exit status <n> <RUNPOD_KUBELET_POD_UID>".
//
// The filesystem belongs to the boot: start and restart rebuild it from env.
// Before the wrapper runs it holds "/", /root, /tmp and the pod's mount path
// (persistent or network), the directories of every image; SSH sessions
// (below) read and write the same filesystem.
//
// # SSH
//
// Every running pod with 22/tcp serves real SSH; ssh_hub.go says how (keys,
// sessions, the pty shell, tar, forwarding) and what is not emulated.
//
// # Stop delivers SIGTERM
//
// The stop action on a RUNNING pod delivers SIGTERM to its program at the
// stop time. When a TERM trap is installed by then (the latest trap statement
// run by then wins; one in a loop body counts from its first run), its
// handler runs to its end at once, as the stop is instantaneous: its sleeps
// take no time, its lines are logged from the stop time 1ms apart, and the
// program ends with the handler's exit N, or 0 when the handler has no exit.
// A handler that never ends (sleep infinity, an endless loop) is killed with
// status 137 after the lines it printed before that; a program that ignores
// SIGTERM (an empty ACTION) is killed with 137 too. Without a trap the program dies of the signal: 143.
// A wrapped program then prints its marker line with that status. Then comes
// the system line "container stopped" and the pod is EXITED. Stopped while
// PROVISIONING or STARTING, the container never ran: nothing is printed. The
// restart action and a restarting PATCH do not deliver SIGTERM: the old run
// ends with no more output.
//
// # Simulator-only pod env vars
//
// These are not RunPod features; they script a pod's container:
//
//	RUNPOD_SIM_EXIT_AFTER=<Go duration>  the command exits with status 0 that long after
//	                                     RUNNING unless it ended before: the pod goes EXITED
//	                                     and a wrapped command prints its marker
//	RUNPOD_SIM_FAIL_AFTER=<Go duration>  the pod goes ERROR that long after RUNNING if still
//	                                     running (a machine failure: no marker); on a tie with
//	                                     the command's end, the end wins
//	RUNPOD_SIM_LOG_LINES=<lines>         the default output: lines separated by newlines (or a
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
// Fixed minute/hour/day windows per API key (AddAPIKey accepts more keys on
// the same account, each with its own windows; SetQuota changes the quota at
// runtime), aligned to UTC boundaries. Every
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
// Under /_sim/, with the same bearer key (and the same body limit), not
// counted, not rate limited, not faulted; for end-to-end tests against a
// separate process:
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
//	POST   /_sim/pods/{id}/lock          {"locked":true}; 200 Pod (see SetLocked)
//	GET    /_sim/machines?gpuTypeId=&dataCenterId=
//	POST   /_sim/machines                {"gpuTypeId":"…","dataCenterId":"…","vcpuPerGpu":16,"ramPerGpu":125}
//	                                     (no dataCenterId: every data center; see SetMachine)
//	POST   /_sim/private-images          {"repository":"host/path","username":"…","password":"…"}; 204
//	GET    /_sim/pods/{id}/ssh           {"host","port","username","hostKey","windowSizes":[{"cols","rows"}]};
//	                                     404 unless the pod serves SSH now (SSHInfoJSON)
//
// Tests in-process also have Registries and AccountSecrets (ids and names,
// never credentials or values), SetLocked, SetMachine, Machine,
// SetPrivateImage, SetAccountSSHKeys, AccountSSHKeys, SSHEndpoint,
// SSHHostKey and WindowSizes.
package simulator
