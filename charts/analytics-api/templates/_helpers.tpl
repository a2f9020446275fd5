{{/*
Names and labels shared by every template of the chart, in the shape `helm create` gives them.
Selectors use only the name and instance labels, which never change across upgrades.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "analytics-api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name, or fullnameOverride; at most 63 characters (a DNS label). */}}
{{- define "analytics-api.fullname" -}}
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

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "analytics-api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "analytics-api.labels" -}}
helm.sh/chart: {{ include "analytics-api.chart" . }}
{{ include "analytics-api.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: knowledgecity
{{- end }}

{{/* Labels that select the API's pods; stable across upgrades. */}}
{{- define "analytics-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "analytics-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The image reference, always by digest: `repo@sha256:...`. */}}
{{- define "analytics-api.image" -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- end }}

{{/*
The ClickHouse connection shared by the API and its migrations (URL and database); the user and
password are passed separately because the two run as different ClickHouse users.
*/}}
{{- define "analytics-api.clickhouseEnv" -}}
- name: CLICKHOUSE_URL
  value: {{ .Values.clickhouse.url | quote }}
- name: CLICKHOUSE_DATABASE
  value: {{ .Values.clickhouse.database | quote }}
{{- end }}

{{/* The restricted container security context (Pod Security Standards, restricted). */}}
{{- define "analytics-api.containerSecurityContext" -}}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The pod security context: a fixed non-root user and the runtime's default seccomp profile. */}}
{{- define "analytics-api.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Combinations the schema cannot express (it sees one value at a time): stop the release with a
message that says what to change.
*/}}
{{- define "analytics-api.validate" -}}
{{- if gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- if ge (int .Values.podDisruptionBudget.minAvailable) (int .Values.autoscaling.minReplicas) }}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below autoscaling.minReplicas (%d), or no node could ever be drained" (int .Values.podDisruptionBudget.minAvailable) (int .Values.autoscaling.minReplicas)) }}
{{- end }}
{{- if eq .Values.clickhouse.username .Values.clickhouse.migrator.username }}
{{- fail "clickhouse.migrator.username must differ from clickhouse.username: the API must not run with the migrator's DDL rights" }}
{{- end }}
{{- if and .Values.qoeRollup.enabled (eq .Values.clickhouse.username .Values.clickhouse.rollup.username) }}
{{- fail "clickhouse.rollup.username must differ from clickhouse.username: the API must not run with the rollup job's right to replace partitions" }}
{{- end }}
{{- end }}
