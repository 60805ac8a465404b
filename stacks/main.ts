/** The project's main program for `pulumi up` with the Pulumi CLI (Pulumi.yaml: main: dist/stacks/main.js). */
import { siteProgram } from "./index";

export = siteProgram;
