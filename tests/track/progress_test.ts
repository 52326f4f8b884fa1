import assert from "node:assert/strict";
import {
  formatDuration,
  formatIterationSummary,
  formatValue,
  ProgressBar,
  type ProgressStream,
} from "./_deps.ts";

class FakeStream implements ProgressStream {
  text = "";
  constructor(readonly tty: boolean) {}
  writeSync(p: Uint8Array): number {
    this.text += new TextDecoder().decode(p);
    return p.length;
  }
  isTerminal(): boolean {
    return this.tty;
  }
}

Deno.test("ProgressBar prints a line every interval when stderr is not a terminal", () => {
  let t = 0;
  const stream = new FakeStream(false);
  const bar = new ProgressBar({
    total: 8000,
    label: "epoch 1/2",
    unit: "samples",
    stream,
    interval: 10,
    now: () => t,
  });
  for (let i = 0; i < 125; i++) {
    t += 200; // 64 samples every 0.2 s: 320 samples/s
    bar.update(64, { loss: 0.123456 });
  }
  bar.finish();
  const lines = stream.text.trimEnd().split("\n");
  assert.equal(lines.length, 3, "at 10 s, 20 s, and the final line");
  assert.equal(
    lines[0],
    "epoch 1/2  40%|##########...............| 3200/8000 [0:10<0:15, 320 samples/s] loss=0.1235",
  );
  assert.equal(
    lines[2],
    "epoch 1/2 100%|#########################| 8000/8000 [0:25<0:00, 320 samples/s] loss=0.1235",
  );
  assert.ok(!stream.text.includes("\r"));
});

Deno.test("ProgressBar redraws one line with \\r on a terminal and ends it with a newline", () => {
  let t = 0;
  const stream = new FakeStream(true);
  const bar = new ProgressBar({ total: 4, stream, now: () => t });
  for (let i = 0; i < 4; i++) {
    t += 500;
    bar.update();
  }
  bar.finish();
  const draws = stream.text.split("\r").filter(Boolean);
  assert.equal(draws.length, 5);
  assert.equal(draws[1], " 50%|#############............| 2/4 [0:01<0:01, 2.0 it/s]\x1b[K");
  assert.ok(stream.text.endsWith("\x1b[K\n"));
  assert.equal(stream.text.split("\n").length, 2);
});

Deno.test("formatIterationSummary() shows lr, train loss, numeric test metrics and time", () => {
  const line = formatIterationSummary({
    iteration: 3,
    iterations: 10,
    lr: 1e-4,
    trainLoss: 0.23456,
    metrics: { test_loss: 0.1, test_accuracy: 0.97126, confusion_matrix: [[1]] },
    seconds: 3725,
  });
  assert.equal(
    line,
    "iteration 3/10 | lr 1.00e-4 | train_loss 0.2346 | test_loss 0.1000 | test_accuracy 0.9713 | 1:02:05",
  );
  assert.deepEqual([formatDuration(59.6), formatDuration(NaN), formatValue(3), formatValue("x")], [
    "1:00",
    "?",
    "3",
    "x",
  ]);
});
