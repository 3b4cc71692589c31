;;; eglot_client.el --- Emacs 28 + eglot 1.9, in batch, as a user would drive codegen-lsp  -*- lexical-binding: t -*-
;;
;; emacs --batch -q -l tests/editors/eglot_client.el
;; Environment: CODEGEN_EDITOR_PYTHON (runs `-m codegen_lsp`), CODEGEN_EDITOR_WORKSPACE (holds moving.py and
;; cancel_me.py), CODEGEN_EDITOR_RESULT (a JSON file: every check with its outcome, and eglot's messages).
;; eglot's own request timeout (jsonrpc's 10 s) is left as it is.

(require 'eglot)
(require 'json)
(require 'cl-lib)

(defvar codegen-checks nil "Each check: (:name NAME :ok BOOL :detail TEXT).")
(defvar codegen-messages nil "What eglot said to the user, newest first.")
(defvar codegen-edit-prompts nil "eglot's confirmation questions for server-initiated edits.")
(defvar codegen-events "" "eglot's log of the JSON-RPC traffic, for a failure's report.")

(advice-add 'eglot--message :before
            (lambda (format &rest args) (push (apply #'format format args) codegen-messages)))

(defun codegen-check (name ok &optional detail)
  (push (list :name name :ok (if ok t :json-false) :detail (format "%s" (or detail ""))) codegen-checks)
  ok)

(defun codegen-wait (predicate timeout)
  "Let Emacs read the server until PREDICATE holds or TIMEOUT seconds pass; PREDICATE's last value."
  (let ((deadline (+ (float-time) timeout)) value)
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun codegen-said (regexp)
  (cl-find-if (lambda (message) (string-match-p regexp message)) codegen-messages))

(defun codegen-pick (title kind)
  "Pick the code action TITLE at point the way `C-u M-x eglot-code-actions' does, asking for KIND."
  ;; From the keyboard (not a mouse menu), eglot asks with `completing-read'; the user types TITLE.
  (let ((last-nonmenu-event ?\r))
    (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) title)))
      (eglot-code-actions (point) nil kind t))))

(defun codegen-open (root name)
  (find-file (expand-file-name name root))
  (goto-char (point-min))
  (forward-char 2)
  (codegen-wait #'eglot-managed-p 30))

(defun codegen-run (root)
  ;; Picking an action answers "y" to eglot's "Server wants to edit … Proceed?", as a user would.
  (advice-add 'y-or-n-p :override (lambda (prompt) (push prompt codegen-edit-prompts) t))
  (find-file (expand-file-name "moving.py" root))
  (eglot '(python-mode) (cons 'transient root) 'eglot-lsp-server
         (list (getenv "CODEGEN_EDITOR_PYTHON") "-m" "codegen_lsp"
               :initializationOptions '(:workspaceTrusted t :diagnosticsDelayMs 20))
         "python")
  (codegen-check "eglot manages the buffer" (codegen-open root "moving.py"))
  (let* ((server (eglot-current-server))
         (actions (eglot-code-actions (point) nil "refactor.rewrite"))
         (titles (mapcar (lambda (a) (plist-get a :title)) actions)))
    ;; eglot 1.9 keeps only actions whose kind is exactly the one it asked for.
    (codegen-check "refactor.rewrite lists both prompt actions"
                   (equal titles '("Generate function" "Generate function, runner and tests")) titles)
    ;; Diagnostics: the helper has no docstring and no type hints.
    (flymake-start)
    (let ((diagnostics (codegen-wait (lambda () (flymake-start) (flymake-diagnostics)) 20)))
      (codegen-check "flymake shows codegen diagnostics"
                     (cl-some (lambda (d) (string-match-p "codegen" (flymake-diagnostic-text d))) diagnostics)
                     (mapconcat #'flymake-diagnostic-text diagnostics " | ")))
    ;; The whole generation, under eglot's synchronous executeCommand and its 10 s timeout.
    (let* ((picked (float-time))
           (answer (condition-case error (codegen-pick "Generate function, runner and tests" "refactor.rewrite")
                     (error (list :error (error-message-string error)))))
           (answered (- (float-time) picked)))
      ;; Had the server held the request for the generation, jsonrpc would have signalled "Timed out".
      (codegen-check "executeCommand answered" (plist-get answer :started) (format "%.3f s: %S" answered answer))
      (let ((landed (codegen-wait (lambda () (save-excursion (goto-char (point-min))
                                                             (search-forward "def main()" nil t)))
                                  90)))
        (codegen-check "the generated code lands in the buffer"
                       (and landed (save-excursion (goto-char (point-min)) (search-forward "def moving_average" nil t)))
                       (format "%.1f s after picking the action" (- (float-time) picked))))
      (codegen-check "the outcome is shown" (codegen-wait (lambda () (codegen-said "Generated the function")) 30)
                     (codegen-said "Generated the function"))
      (codegen-check "the test file is written" (file-exists-p (expand-file-name "test_moving.py" root))))
    ;; Inlay hints: eglot 1.9 has no UI for them; ask as a client with one would.
    (eglot--signal-textDocument/didChange)
    (let* ((hints (jsonrpc-request server :textDocument/inlayHint
                                   (list :textDocument (eglot--TextDocumentIdentifier)
                                         :range (list :start (list :line 0 :character 0)
                                                      :end (list :line 200 :character 0)))))
           (labels (mapcar (lambda (hint) (format "%s" (plist-get hint :label))) hints)))
      (codegen-check "inlay hints carry scores" (cl-some (lambda (l) (string-match-p "quality" l)) labels) labels))
    ;; Cancel: start a generation, then pick the "Cancel" action that stands in for it at the prompt.
    (codegen-check "eglot manages a second buffer" (codegen-open root "cancel_me.py"))
    (let* ((before (buffer-string))
           (answer (codegen-pick "Generate function" "refactor.rewrite"))
           (cancel (cl-find-if (lambda (a) (string-prefix-p "Cancel" (plist-get a :title)))
                               (eglot-code-actions (point) nil "refactor.rewrite"))))
      (codegen-check "a second generation starts" (plist-get answer :started) answer)
      (codegen-check "the prompt offers Cancel while it runs" cancel (plist-get cancel :title))
      (when cancel
        (codegen-pick (plist-get cancel :title) "refactor.rewrite"))
      (codegen-check "cancelling says so" (codegen-wait (lambda () (codegen-said "Generation cancelled")) 10)
                     (car codegen-messages))
      (accept-process-output nil 0.5)
      (codegen-check "a cancelled generation changes nothing" (equal before (buffer-string))))
    (setq codegen-events (with-current-buffer (jsonrpc-events-buffer server) (buffer-string)))
    (eglot-shutdown server)))

(let ((root (file-name-as-directory (getenv "CODEGEN_EDITOR_WORKSPACE")))
      (result (getenv "CODEGEN_EDITOR_RESULT")))
  (condition-case error
      (codegen-run root)
    (error (codegen-check "no Lisp error" nil (error-message-string error))))
  (with-temp-file result
    (insert (json-encode (list :checks (vconcat (reverse codegen-checks))
                               :messages (vconcat (reverse codegen-messages))
                               :editPrompts (vconcat codegen-edit-prompts)
                               :events (substring codegen-events (max 0 (- (length codegen-events) 30000)))))))
  (kill-emacs 0))
