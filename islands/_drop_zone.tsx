// The upload part of the predict island: drag and drop or a file chooser, with a preview.
import { useEffect, useState } from "preact/hooks";

interface Props {
  busy: boolean;
  maxBytes: number;
  onError: (message: string) => void;
  onPredict: (file: File) => void;
}

/** A drop zone for an image file, and its Predict button. */
export function DropZone(props: Props) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState("");
  const [over, setOver] = useState(false);
  useEffect(() => () => preview && URL.revokeObjectURL(preview), [preview]);

  function pick(f: File | undefined | null) {
    if (!f) return;
    if (f.size > props.maxBytes) {
      props.onError(`"${f.name}" is larger than ${props.maxBytes} bytes`);
      return;
    }
    props.onError("");
    setFile(f);
    setPreview(URL.createObjectURL(f));
  }

  return (
    <>
      <label
        class={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          pick(e.dataTransfer?.files[0]);
        }}
      >
        <input
          id="upload"
          type="file"
          accept="image/*"
          onChange={(e) => pick(e.currentTarget.files?.[0])}
        />
        {preview
          ? <img class="preview" src={preview} alt="The chosen image" />
          : <span>Drop an image here, or click to choose one</span>}
        {file && <span class="file-name">{file.name}</span>}
      </label>
      <button
        id="predict-upload"
        type="button"
        disabled={!file || props.busy}
        onClick={() => file && props.onPredict(file)}
      >
        Predict upload
      </button>
    </>
  );
}
