/**
 * What runs on a monolith instance at boot, as pure functions: the CloudWatch agent's config (the
 * memory metric the scaling policy tracks) and the user data script. Kept apart from the
 * component so they can be read and tested as text.
 */

/** The port nginx serves the app on, behind the load balancer. */
export const APP_PORT = 8080;

/** The CloudWatch agent metric the memory scaling policy tracks. */
export const MEMORY_METRIC = { namespace: "CWAgent", name: "mem_used_percent" } as const;

/** The CloudWatch agent's configuration: memory and disk use per Auto Scaling group. */
export function cloudWatchAgentConfig(): string {
  return JSON.stringify({
    agent: { metrics_collection_interval: 60, run_as_user: "cwagent" },
    metrics: {
      namespace: MEMORY_METRIC.namespace,
      append_dimensions: {
        AutoScalingGroupName: "${aws:AutoScalingGroupName}",
        InstanceId: "${aws:InstanceId}",
      },
      aggregation_dimensions: [["AutoScalingGroupName"]],
      metrics_collected: {
        mem: { measurement: [MEMORY_METRIC.name] },
        disk: { measurement: ["used_percent"], resources: ["/"] },
      },
    },
  });
}

/** Settings the boot script needs. */
export interface BootSettings {
  /** SSM parameter holding the CloudWatch agent config. */
  readonly agentConfigParameter: string;
  /** SSM parameter naming the release to run (`none` until the first deployment). */
  readonly releaseParameter: string;
  /** Bucket the release archives are in (`<release>.tar.gz`). */
  readonly releaseBucket: string;
  /** Port nginx serves the app on, behind the load balancer. */
  readonly appPort: number;
  /** Path of the health check the load balancer and Route 53 call. */
  readonly healthCheckPath: string;
  /** The app's environment (`KC_*` names), for PHP-FPM and the app's workers. */
  readonly environment: Readonly<Record<string, string>>;
}

const ENVIRONMENT_NAME = /^KC_[A-Z0-9_]+$/;

const SAFE = /^[A-Za-z0-9/_.:-]+$/;

/**
 * The instance's boot script (Amazon Linux 2023): the CloudWatch agent, nginx and PHP-FPM, the
 * release named in SSM (or a maintenance page until there is one), and a health endpoint that
 * answers only when PHP-FPM is up. Every value is checked before it is put into the script.
 */
export function bootScript(settings: BootSettings): string {
  const { environment, ...scalars } = settings;
  for (const [key, value] of Object.entries(environment)) {
    if (!ENVIRONMENT_NAME.test(key) || !SAFE.test(value)) {
      throw new Error(
        `boot script environment ${key} = ${JSON.stringify(value)}: names are KC_ and capitals, values have no characters a shell could misread`,
      );
    }
  }
  for (const [key, value] of Object.entries(scalars)) {
    if (!SAFE.test(String(value))) {
      throw new Error(
        `boot script setting ${key} = ${JSON.stringify(value)} has characters a shell could misread`,
      );
    }
  }
  const { agentConfigParameter, releaseParameter, releaseBucket, appPort, healthCheckPath } =
    scalars;
  const names = Object.keys(environment).sort();
  const envFile = names.map((name) => `${name}=${environment[name]}`).join("\n");
  const poolFile = names.map((name) => `env[${name}] = ${environment[name]}`).join("\n");
  return `#!/bin/bash
set -euo pipefail
dnf install -y amazon-cloudwatch-agent nginx php8.3 php8.3-fpm php8.3-mysqlnd php8.3-pgsql php8.3-opcache
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:${agentConfigParameter}

release=$(aws ssm get-parameter --name ${releaseParameter} --query Parameter.Value --output text)
mkdir -p /srv/app/public
if [ "$release" != "none" ]; then
  aws s3 cp "s3://${releaseBucket}/$release.tar.gz" /tmp/release.tar.gz
  tar -xzf /tmp/release.tar.gz -C /srv/app
  rm -f /tmp/release.tar.gz
else
  # Until the first release: healthy (PHP-FPM answers), but every page says "being deployed".
  echo '<?php if (strtok($_SERVER["REQUEST_URI"], "?") === "${healthCheckPath}") { echo "ok"; return; } http_response_code(503); echo "KnowledgeCity is being deployed";' > /srv/app/public/index.php
fi

cat > /etc/nginx/conf.d/app.conf <<NGINX
server {
  listen ${appPort} default_server;
  root /srv/app/public;
  index index.php;
  location = ${healthCheckPath} {
    fastcgi_pass unix:/run/php-fpm/www.sock;
    fastcgi_param SCRIPT_FILENAME /srv/app/public/index.php;
    fastcgi_param REQUEST_URI ${healthCheckPath};
    include fastcgi_params;
  }
  location / { try_files \\$uri /index.php\\$is_args\\$args; }
  location ~ \\.php$ {
    fastcgi_pass unix:/run/php-fpm/www.sock;
    fastcgi_param SCRIPT_FILENAME \\$document_root\\$fastcgi_script_name;
    include fastcgi_params;
  }
}
NGINX

# The app's environment: PHP-FPM passes these names to the app (a second [www] section adds to
# the pool), and workers read the same file.
install -d -m 0755 /etc/knowledgecity
cat > /etc/knowledgecity/app.env <<'ENV'
${envFile}
ENV
cat > /etc/php-fpm.d/zz-knowledgecity.conf <<'FPM'
[www]
${poolFile}
FPM
systemctl enable --now php-fpm nginx
`;
}
