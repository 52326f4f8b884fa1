// The drawing pad of the predict island: white strokes on black (as MNIST
// digits), sent as the canvas PNG; the server scales it to the model's input.
import { useEffect, useRef, useState } from "preact/hooks";

const SIZE = 280;

function reset(canvas: HTMLCanvasElement | null): void {
  const g = canvas?.getContext("2d");
  if (!g) return;
  g.fillStyle = "#000";
  g.fillRect(0, 0, SIZE, SIZE);
}

/** A canvas to draw a digit on, with Clear and Predict buttons. */
export function DrawPad(props: { busy: boolean; onPredict: (png: Blob) => void }) {
  const pad = useRef<HTMLCanvasElement>(null);
  const last = useRef<[number, number] | null>(null);
  const [ink, setInk] = useState(false);
  useEffect(() => reset(pad.current), []);

  function point(e: PointerEvent): [number, number] {
    const r = pad.current!.getBoundingClientRect();
    return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height];
  }

  function stroke(e: PointerEvent) {
    const g = pad.current?.getContext("2d");
    if (!g || !last.current) return;
    const [x, y] = point(e);
    g.strokeStyle = "#fff";
    g.lineWidth = 22;
    g.lineCap = "round";
    g.beginPath();
    g.moveTo(...last.current);
    g.lineTo(x, y);
    g.stroke();
    last.current = [x, y];
    setInk(true);
  }

  return (
    <>
      <canvas
        id="pad"
        ref={pad}
        class="pad"
        width={SIZE}
        height={SIZE}
        aria-label="Drawing pad: draw a digit with the mouse, a pen or a finger"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          last.current = point(e);
          stroke(e);
        }}
        onPointerMove={stroke}
        onPointerUp={() => last.current = null}
      />
      <div class="row">
        <button
          type="button"
          class="secondary"
          onClick={() => {
            reset(pad.current);
            setInk(false);
          }}
        >
          Clear
        </button>
        <button
          id="predict-drawing"
          type="button"
          disabled={!ink || props.busy}
          onClick={() => pad.current?.toBlob((b) => b && props.onPredict(b), "image/png")}
        >
          Predict drawing
        </button>
      </div>
    </>
  );
}
