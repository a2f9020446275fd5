{{/*
Names and labels shared by every template of the chart, in the shape `helm create` gives them.
Selectors use only the name, instance and component labels, which never change across upgrades.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "clickhouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name, or fullnameOverride; at most 63 characters (a DNS label). */}}
{{- define "clickhouse.fullname" -}}
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
{{- define "clickhouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "clickhouse.labels" -}}
helm.sh/chart: {{ include "clickhouse.chart" . }}
app.kubernetes.io/name: {{ include "clickhouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: knowledgecity
{{- end }}

{{/*
Labels that select one component's pods ("server" or "keeper"); called with
(dict "context" $ "component" "server").
*/}}
{{- define "clickhouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "clickhouse.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The ClickHouseInstallation's name. The operator names StatefulSets
chi-<installation>-<cluster>-<shard>-<replica>, which must stay within 52 characters for the
controller-revision-hash label; 24 here plus a 15-character cluster name leaves room for that.
*/}}
{{- define "clickhouse.installationName" -}}
{{- include "clickhouse.fullname" . | trunc 24 | trimSuffix "-" }}
{{- end }}

{{/*
The ClickHouseKeeperInstallation's name: the installation's plus "-keeper" (StatefulSets
chk-<name>-keeper-<shard>-<replica> stay within 52 characters).
*/}}
{{- define "clickhouse.keeperName" -}}
{{- printf "%s-keeper" (include "clickhouse.installationName" .) }}
{{- end }}

{{/* The Service the operator creates for a ClickHouseKeeperInstallation: keeper-<name>. */}}
{{- define "clickhouse.keeperServiceName" -}}
{{- printf "keeper-%s" (include "clickhouse.keeperName" .) }}
{{- end }}

{{/* An image reference from an {repository, tag} value: `repo@sha256:...` or `repo:tag`. */}}
{{- define "clickhouse.imageRef" -}}
{{- if hasPrefix "sha256:" .tag }}
{{- printf "%s@%s" .repository .tag }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/*
The pod security context of ClickHouse and Keeper: the images' own clickhouse user (101), so
the data volume is group-writable for it and no container runs as root.
*/}}
{{- define "clickhouse.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 101
runAsGroup: 101
fsGroup: 101
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The container security context. The root filesystem stays writable: the server writes its logs
under /var/log/clickhouse-server and the operator mounts its configuration into /etc.
*/}}
{{- define "clickhouse.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The user the backup sidecar connects as, from .Values.users; empty when not listed. */}}
{{- define "clickhouse.backupUser" -}}
{{- $found := dict }}
{{- range .Values.users }}
{{- if eq .name $.Values.backup.user }}
{{- $found = . }}
{{- end }}
{{- end }}
{{- toJson $found }}
{{- end }}

{{/*
Combinations the schema cannot express (it sees one value at a time): stop the release with a
message that says what to change.
*/}}
{{- define "clickhouse.validate" -}}
{{- if ge (int .Values.podDisruptionBudget.maxUnavailable) (int .Values.replicas) }}
{{- fail (printf "podDisruptionBudget.maxUnavailable (%d) must be below replicas (%d), or a drain could stop every replica of a shard" (int .Values.podDisruptionBudget.maxUnavailable) (int .Values.replicas)) }}
{{- end }}
{{- $seen := dict }}
{{- range .Values.users }}
{{- if hasKey $seen .name }}
{{- fail (printf "users: %q is listed twice; give each user one entry" .name) }}
{{- end }}
{{- $_ := set $seen .name true }}
{{- end }}
{{- if .Values.backup.enabled }}
{{- $user := include "clickhouse.backupUser" . | fromJson }}
{{- if not $user }}
{{- fail (printf "backup.user %q is not in users: add it there (with its passwordSecret) or set backup.user to a listed user" .Values.backup.user) }}
{{- end }}
{{- if eq (default "default" $user.profile) "readonly" }}
{{- fail (printf "backup.user %q has the readonly profile, which cannot FREEZE tables: give it the default profile" .Values.backup.user) }}
{{- end }}
{{- end }}
{{- end }}
