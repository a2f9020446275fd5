// The Pulumi entry point (`main: stacks/` in Pulumi.yaml): the CLI calls the exported function
// and publishes what it returns as the stack's outputs.
import { program } from "./program";

export = program;
