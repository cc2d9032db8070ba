{{/* The chart name, or nameOverride. */}}
{{- define "runpod-kubelet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of every object: fullnameOverride, else the release name when it
already contains the chart name (release "runpod-kubelet" gives the names
kustomize uses), else <release>-<chart>.
*/}}
{{- define "runpod-kubelet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "runpod-kubelet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "runpod-kubelet.labels" -}}
helm.sh/chart: {{ include "runpod-kubelet.chart" . }}
{{ include "runpod-kubelet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "runpod-kubelet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runpod-kubelet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "runpod-kubelet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "runpod-kubelet.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* NAMESPACE: qualifies the leader identity, and is where older versions kept
the leader Lease (read during an upgrade); the release namespace by default. */}}
{{- define "runpod-kubelet.leaseNamespace" -}}
{{- default .Release.Namespace .Values.kubelet.namespace }}
{{- end }}

{{/* The leader Lease's name; the binary derives it from NODE_NAME. */}}
{{- define "runpod-kubelet.leaderLease" -}}
{{- printf "runpod-kubelet-%s" .Values.kubelet.nodeName }}
{{- end }}

{{/* The Secret holding the API key and its key. */}}
{{- define "runpod-kubelet.apiKeySecret" -}}
{{- default (printf "%s-api-key" (include "runpod-kubelet.fullname" .)) .Values.runpod.existingSecret }}
{{- end }}
{{- define "runpod-kubelet.apiKeySecretKey" -}}
{{- if .Values.runpod.existingSecret }}{{ .Values.runpod.existingSecretKey }}{{ else }}api-key{{ end }}
{{- end }}

{{/*
A duration setting: a string is passed as is (10s, 1m30s); a bare number is
seconds, as the old chart's kubelet.reconcileInterval: 30 meant.
*/}}
{{- define "runpod-kubelet.duration" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ printf "%ds" (int64 .) }}{{ end }}
{{- end }}

{{/*
Checks values.schema.json cannot word clearly. Every template includes it, so
`helm template --show-only` fails the same way.
*/}}
{{- define "runpod-kubelet.validate" -}}
{{- $r := .Values.runpod }}
{{- $sources := list }}
{{- if $r.apiKey }}{{ $sources = append $sources "runpod.apiKey" }}{{ end }}
{{- if $r.existingSecret }}{{ $sources = append $sources "runpod.existingSecret" }}{{ end }}
{{- if $r.apiKeyFile }}{{ $sources = append $sources "runpod.apiKeyFile" }}{{ end }}
{{- if eq (len $sources) 0 }}
{{- fail "runpod: no API key: set runpod.existingSecret to a Secret holding it (key runpod.existingSecretKey, default api-key), or runpod.apiKey to have the chart create that Secret, or runpod.apiKeyFile to a file you mount" }}
{{- else if gt (len $sources) 1 }}
{{- fail (printf "runpod: set exactly one of runpod.apiKey, runpod.existingSecret or runpod.apiKeyFile; got %s" (join " and " $sources)) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without the Lease every replica would create the same RunPod pods" }}
{{- end }}
{{- end }}
