import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useT } from '../i18n';

/**
 * Drop video files here, or press Enter / Space / click to pick them. The hidden file input is the
 * same picker a test drives with setInputFiles.
 */
export function DropZone({ onFiles, disabled }: { onFiles(files: File[]): void; disabled?: boolean }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const pick = (): void => {
    if (!disabled) input.current?.click();
  };
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    const files = [...e.dataTransfer.files];
    if (files.length) onFiles(files);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      pick();
    }
  };
  return (
    <div
      className={`drop card${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
      role="button"
      tabIndex={0}
      aria-disabled={disabled || undefined}
      aria-label={t('tx.drop.label')}
      onClick={pick}
      onKeyDown={onKey}
      onDragEnter={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
      data-testid="drop-zone"
    >
      <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.6">
        <path d="M12 16V4M7 9l5-5 5 5M4 16v4h16v-4" />
      </svg>
      <strong>{t('tx.drop.title')}</strong>
      <span className="muted">{t('tx.drop.hint')}</span>
      <input
        ref={input}
        type="file"
        accept="video/*,.mp4,.mov,.mkv,.webm,.avi,.flv,.ts,.m4v"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </div>
  );
}
