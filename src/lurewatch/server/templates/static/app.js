// Drop a file on the box to choose it; everything still works without this script.
document.addEventListener("DOMContentLoaded", () => {
  const drop = document.querySelector(".drop");
  if (!drop) return;
  const input = drop.querySelector("input[type=file]");
  const name = drop.querySelector(".chosen");
  const show = () => { if (name) name.textContent = input.files.length ? input.files[0].name : ""; };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => {
    e.preventDefault(); drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => {
    e.preventDefault(); drop.classList.remove("over");
  }));
  drop.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
});
