/**
 * chDB publishes its `@clickhouse/client` connection as the package export `chdb/connection`,
 * which the project's `node10` module resolution does not read; its declarations are here by path.
 */
declare module "chdb/connection" {
  export * from "chdb/dist/connection/index";
}
