/**
 * Namespaced custom resources (config entries, routes, bindings, monitors) written the one way:
 * an object named in its namespace with a spec the caller types.
 * https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Arguments of `namespacedCustomResource`. */
export interface NamespacedCustomResourceArgs<Spec extends object> {
  /** The CRD's group and version, such as `consul.hashicorp.com/v1alpha1`. */
  readonly apiVersion: string;
  /** The CRD's kind, such as `ServiceIntentions`. */
  readonly kind: string;
  /** The object's name in Kubernetes (not the Pulumi resource's name). */
  readonly name: string;
  /** The object's namespace, which must exist. */
  readonly namespace: string;
  /** The object's spec, typed by the caller after the CRD's schema. */
  readonly spec: Spec;
}

/** A custom resource `kind` named `args.name` in `args.namespace`. */
export function namespacedCustomResource<Spec extends object>(
  resourceName: string,
  args: NamespacedCustomResourceArgs<Spec>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    resourceName,
    {
      apiVersion: args.apiVersion,
      kind: args.kind,
      metadata: { name: args.name, namespace: args.namespace },
      spec: args.spec,
    },
    opts,
  );
}
