; Consent Desk for Windows: a per-user installer (no administrator rights) built with NSIS 3.
;
;   makensis -WX -DVERSION=0.1.0 -DSOURCE_DIR=%CD%\dist\consent-desk ^
;            -DICON=%CD%\build\icons\consent-desk.ico -DOUTFILE=%CD%\dist\consent-desk-0.1.0-win64.exe ^
;            packaging\windows\consent-desk.nsi
;
; makensis reads the paths from the script's own folder, so give them absolute (%CD%\...).
;
; VERSION     the app's version (desktop_app/__init__.py), shown in "Apps & features"
; SOURCE_DIR  the PyInstaller one-folder bundle (consent-desk.exe and _internal\)
; ICON        the app's icon (packaging/make_icons.py writes it)
; OUTFILE     the installer to write (a name with "setup" or "install" in it makes Windows apply
;             installer heuristics to it; NSIS warns)
; EXE_SOURCE  optional: the launcher, when it is not SOURCE_DIR\consent-desk.exe (CI's stand-in
;             compile on Linux passes the Linux launcher)
; COMPRESSOR  optional: lzma (default), zlib, or off (CI's stand-in compile on Linux uses off)
;
; It installs into %LOCALAPPDATA%\Programs\Consent Desk with Start-menu and desktop shortcuts.
; The uninstaller removes the program only: the consent book, its backups and settings in
; %LOCALAPPDATA%\consent-desk (platformdirs' user data folder) stay, and so do the keychain's secrets.
; Silent install and uninstall: `setup.exe /S`, `"...\Uninstall.exe" /S`.

Unicode true
!ifndef VERSION
  !error "pass -DVERSION=x.y.z"
!endif
!ifndef SOURCE_DIR
  !error "pass -DSOURCE_DIR=<the PyInstaller bundle folder>"
!endif
!ifndef ICON
  !error "pass -DICON=<consent-desk.ico>"
!endif
!ifndef OUTFILE
  !define OUTFILE "consent-desk-${VERSION}-win64.exe"
!endif
!ifndef EXE_SOURCE
  !define EXE_SOURCE "${SOURCE_DIR}\consent-desk.exe"
!endif
!ifndef COMPRESSOR
  !define COMPRESSOR "lzma"
!endif
!if "${COMPRESSOR}" == "off"
  SetCompress off
!else
  SetCompressor /SOLID ${COMPRESSOR}
!endif

!define APP_NAME "Consent Desk"
!define APP_EXE "consent-desk.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\consent-desk"

!include "MUI2.nsh"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
SetOverwrite on
ShowInstDetails nevershow
ShowUninstDetails nevershow

; Windows wants four numbers in the file version.
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} installer"
VIAddVersionKey "LegalCopyright" "Consent Desk maintainers (MIT licence)"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME}"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "Consent Desk" SecApp
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; An update replaces the program folder whole, so no file of an older version lingers.
  RMDir /r "$INSTDIR\_internal"
  File "/oname=${APP_EXE}" "${EXE_SOURCE}"
  File /r "${SOURCE_DIR}\_internal"
  File "/oname=consent-desk.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\consent-desk.ico"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\consent-desk.ico"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "Consent Desk maintainers"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\consent-desk.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  ; Only what the installer put there: never a recursive delete of $INSTDIR itself, which a user
  ; may have pointed at a folder of their own. The user's data lives elsewhere and is kept.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\consent-desk.ico"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
