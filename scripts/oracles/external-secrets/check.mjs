// Validates every external-secrets.io object under the given directories against the models
// of @kubernetes-models/external-secrets (generated from the upstream CRDs). Prints one line
// per invalid object, then `N passed, M failed`; exits 1 if any failed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret";
import { SecretStore } from "@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore";
import { ClusterSecretStore } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore";

const models = { ExternalSecret, SecretStore, ClusterSecretStore };

function* yamlFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* yamlFiles(path);
    else if (entry.name.endsWith(".yaml")) yield path;
  }
}

let passed = 0;
let failed = 0;
for (const dir of process.argv.slice(2)) {
  for (const path of yamlFiles(dir)) {
    for (const doc of yaml.loadAll(readFileSync(path, "utf8"))) {
      if (!doc || typeof doc.apiVersion !== "string" || !doc.apiVersion.startsWith("external-secrets.io/")) continue;
      const Model = doc.apiVersion === "external-secrets.io/v1" ? models[doc.kind] : undefined;
      if (!Model) {
        console.log(`${path}: ${doc.apiVersion} ${doc.kind}: no model for this kind`);
        failed++;
        continue;
      }
      try {
        new Model(doc).validate();
        passed++;
      } catch (error) {
        console.log(`${path}: ${doc.kind}/${doc.metadata?.name}: ${error.message}`);
        failed++;
      }
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
