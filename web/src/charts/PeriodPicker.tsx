// A period choice as a row of radio buttons: one tab stop, arrows move
// between them, and the choice is announced with the group's name.
import { useId } from "react";
import "./charts.css";

export interface PeriodOption<T extends string | number> {
  value: T;
  label: string;
}

export function PeriodPicker<T extends string | number>({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: PeriodOption<T>[];
  value: T;
  onChange: (value: T) => void;
}) {
  const name = useId();
  return (
    <fieldset className="period-picker">
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={String(option.value)}>
          <input
            type="radio"
            name={name}
            value={String(option.value)}
            checked={option.value === value}
            onChange={() => onChange(option.value)}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
