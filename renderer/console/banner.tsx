// The line under the console's header that says what just happened or what went wrong, until closed.
export function Banner({ error, notice, dismiss }: { error: string | null; notice: string | null; dismiss: () => void }) {
  if (!error && !notice) return null;
  return (
    <div role={error ? 'alert' : 'status'} className={`banner ${error ? 'error' : 'notice'}`}>
      <span>{error ?? notice}</span>
      <button className="secondary small" onClick={dismiss}>閉じる</button>
    </div>
  );
}
