// Small pieces every staff screen uses: the message banner, a field's error, a row of choices.
import { useStaff } from '../staff-store';

export function FieldError({ path }: { path: string }) {
  const message = useStaff((s) => s.fieldErrors[path]);
  return message ? (
    <p className="field-error" role="alert" data-field={path}>
      {message}
    </p>
  ) : null;
}

export function Banner() {
  const { error, notice } = useStaff();
  if (error) return <div className="banner error" role="alert">{error}</div>;
  if (notice) return <div className="banner notice" role="status">{notice}</div>;
  return null;
}

export function Choice<T extends string>({
  name, value, options, onChange, disabled = [],
}: { name: string; value: T | undefined; options: [T, string][]; onChange: (v: T) => void; disabled?: readonly T[] }) {
  return (
    <div className="choices" role="radiogroup" data-name={name}>
      {options.map(([v, label]) => (
        <button type="button" role="radio" aria-checked={value === v} key={v} className={value === v ? 'choice on' : 'choice'} disabled={disabled.includes(v)} onClick={() => onChange(v)}>
          {label}
        </button>
      ))}
    </div>
  );
}
