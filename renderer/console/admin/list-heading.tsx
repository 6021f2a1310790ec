// The heading of an admin list: its name with how many, and the button that reads it again.

export function ListHeading({ title, onReload }: { title: string; onReload: () => void }) {
  return (
    <div className="row space">
      <h2 className="section">{title}</h2>
      <button className="secondary small" onClick={onReload}>更新</button>
    </div>
  );
}
