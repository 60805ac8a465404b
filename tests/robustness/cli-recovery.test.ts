/** The recovery option of the engine CLI (README, "When something goes wrong"). */
import { main, parseArgs } from "../../scripts/engine/cli";

test("refresh takes --clear-pending-creates; no other command does", () => {
  expect(parseArgs(["refresh", "--clear-pending-creates", "--stack", "site"])).toMatchObject({
    command: "refresh",
    stack: "site",
    clearPendingCreates: true,
  });
  expect(parseArgs(["refresh"]).clearPendingCreates).toBe(false);
  for (const command of ["up", "preview", "destroy"]) {
    expect(() => parseArgs([command, "--clear-pending-creates"])).toThrow(
      /--clear-pending-creates goes with refresh: npm run refresh -- --clear-pending-creates/,
    );
  }
});

test("--help documents the option and the recovery after an interrupted up", async () => {
  const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    expect(await main(["--help"])).toBe(0);
    const help = write.mock.calls.map((c) => String(c[0])).join("");
    expect(help).toMatch(/--clear-pending-creates\s+refresh only: drop the creates an interrupted `up` left/);
    expect(help).toContain("npm run pulumi -- cancel --yes --stack NAME");
    expect(help).toContain("npm run refresh -- --clear-pending-creates --stack NAME");
  } finally {
    write.mockRestore();
  }
});
